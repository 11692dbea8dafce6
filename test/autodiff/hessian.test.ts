// Exact Hessian-vector products (forward-over-reverse) against finite differences of gradients, symmetry,
// the MSE Gauss–Newton split, and the logistic and cross-entropy losses at logits of ±1e3.
import { test } from 'uvu';
import { RandomState } from '../../src/random/randomState';
import { Tensor, tensor } from '../../src/linalg/tensor';
import { lanczosTop } from '../../src/linalg/lanczos';
import { symmetricEigen } from '../../src/linalg/eigen';
import {
  Tape,
  Var,
  ops,
  vjp,
  hvp,
  gaussNewtonMatvec,
  hessianDense,
  hessianMatvec,
  hessianTopEigenvalue,
  ntkTopEigenvalue,
  parameterCount,
} from '../../src/autodiff';
import { gaussianData, loadClassification, Dataset } from '../../src/data';
import { LossKind, binaryLabels, lossOf, hessianAt, train, forwardPass, initParams, makeModel, Model } from '../../src/models';
import { dot, dotList, maxRelErr, relErr, within } from '../util';
import { Build, primitiveCases } from './cases';

const HVP_FD_TOL = 1e-6;
const SYMMETRY_TOL = 1e-12;
const GN_SPLIT_TOL = 1e-10;
const FD_STEP = 1e-5;

const rng = new RandomState(11);

/** ∇φ at params shifted by ε·v, on a fresh tape. */
function gradientAt(inputs: readonly Tensor[], v: readonly Float64Array[] | null, eps: number, scalar: (ps: Var[]) => Var): Float64Array[] {
  const tape = new Tape();
  const ps = inputs.map((t, k) =>
    tape.param(
      v === null
        ? t
        : tensor(
            t.shape,
            t.data.map((x, i) => x + eps * v[k][i]),
          ),
    ),
  );
  return vjp(scalar(ps), Float64Array.of(1)).map((g) => g.slice());
}

/** H v by central differences of the gradient: (∇φ(θ + εv) − ∇φ(θ − εv))/(2ε). */
function fdHvp(inputs: readonly Tensor[], v: readonly Float64Array[], scalar: (ps: Var[]) => Var): Float64Array[] {
  const plus = gradientAt(inputs, v, FD_STEP, scalar),
    minus = gradientAt(inputs, v, -FD_STEP, scalar);
  return plus.map((p, k) => p.map((x, i) => (x - minus[k][i]) / (2 * FD_STEP)));
}

const flat = (parts: readonly Float64Array[]) => {
  const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

function exactHvp(inputs: readonly Tensor[], v: readonly Float64Array[], scalar: (ps: Var[]) => Var): Float64Array[] {
  const tape = new Tape();
  return hvp(scalar(inputs.map((t) => tape.param(t))), v).hv.map((h) => h.slice());
}

/** Checks H v against finite differences and <a, Hb> = <Ha, b>; returns both errors. */
function checkHvp(name: string, inputs: readonly Tensor[], scalar: (ps: Var[]) => Var): { fd: number; symmetry: number } {
  const draw = () => inputs.map((t) => rng.standardNormalArray(t.data.length));
  const a = draw(),
    b = draw();
  const hb = exactHvp(inputs, b, scalar),
    ha = exactHvp(inputs, a, scalar);
  const fd = maxRelErr(flat(hb), flat(fdHvp(inputs, b, scalar)));
  within(fd, HVP_FD_TOL, `${name}: HVP vs central differences of the gradient`);
  const symmetry = relErr(dotList(a, hb), dotList(ha, b));
  within(symmetry, SYMMETRY_TOL, `${name}: <a, Hb> vs <Ha, b>`);
  return { fd, symmetry };
}

const cases = primitiveCases(rng);
for (const [prim, list] of Object.entries(cases) as [string, [Tensor[], Build][]][]) {
  test(`primitive ${prim}: forward-over-reverse HVP of <c, ${prim}(x)> vs finite differences (${HVP_FD_TOL}), symmetric (${SYMMETRY_TOL})`, () => {
    list.forEach(([inputs, build], i) => {
      let c: Float64Array | null = null;
      checkHvp(`${prim}#${i}`, inputs, (ps) => {
        const out = build(ps);
        c ??= rng.standardNormalArray(out.value.data.length);
        return ops.sum(ops.mul(ps[0].tape.constant(tensor(out.value.shape, c)), out));
      });
    });
  });
}

test(`conv2d → batch norm → max pool → global average pool: HVP vs finite differences (${HVP_FD_TOL}), symmetric`, () => {
  const shapes = [[2, 2, 6, 6], [3, 2, 3, 3], [3], [3], [3]];
  const inputs = shapes.map((s) => tensor(s, rng.standardNormalArray(s.reduce((a, b) => a * b, 1))));
  const c = rng.standardNormalArray(6);
  checkHvp('conv stack', inputs, ([x, W, b, g, beta]) => {
    const h = ops.maxPool2d(ops.tanh(ops.batchNorm(ops.conv2d(x, W, b, { stride: 1 }), g, beta)), 2);
    return ops.sum(ops.mul(x.tape.constant(tensor([2, 3], c)), ops.globalAvgPool(h)));
  });
});

/** A small MLP with each loss, on data whose targets suit it. */
function smallNet(loss: LossKind, act: 'tanh' | 'relu'): { model: Model; data: Dataset; init: Tensor[] } {
  let data: Dataset =
    loss === 'mse'
      ? gaussianData(6, 4, 3, 5)
      : loadClassification('synthetic', { trainSize: 6, testSize: 0, classes: loss === 'ce' ? [0, 1, 2] : [0, 1], seed: 3, inputDim: 4 })
          .train;
  if (loss === 'logistic') data = binaryLabels(data);
  const model = makeModel({
    kind: 'mlp',
    width: 7,
    depth: 2,
    act,
    param: 'standard',
    sigmaW: 1.4,
    sigmaB: 0.3,
    outputs: data.Y.shape[1],
    inputDim: 4,
    loss,
  });
  return { model, data, init: initParams(model, 2) };
}

/** The model's loss recorded on the tape of `ps` (forwardPass makes its own tape from tensors). */
function lossOfTape(n: ReturnType<typeof smallNet>, ps: Var[]): Var {
  const tape = ps[0].tape;
  return lossOf(n.model.config.loss!, n.model.forward(ps, tape.constant(n.data.X)), tape.constant(n.data.Y));
}

for (const [loss, act] of [
  ['mse', 'tanh'],
  ['logistic', 'tanh'],
  ['ce', 'tanh'],
  ['ce', 'relu'],
] as const) {
  test(`${loss} loss, ${act} MLP: dense Hessian from HVPs vs columns of gradient differences (${HVP_FD_TOL}); HVP symmetric (${SYMMETRY_TOL}); Lanczos top eigenvalue`, () => {
    const n = smallNet(loss, act);
    const scalar = (ps: Var[]) => lossOfTape(n, ps);
    const { loss: L } = forwardPass(n.model, n.init, n.data);
    const P = parameterCount(L);
    const H = hessianDense(L);
    // Column j of the finite-difference Hessian: the gradient's central difference along e_j.
    const fd = new Float64Array(P * P);
    const sizes = n.init.map((t) => t.data.length);
    for (let j = 0; j < P; j++) {
      let k = 0,
        off = j;
      while (off >= sizes[k]) off -= sizes[k++];
      const e = sizes.map((s) => new Float64Array(s));
      e[k][off] = 1;
      const col = flat(fdHvp(n.init, e, scalar));
      for (let i = 0; i < P; i++) fd[i * P + j] = col[i];
    }
    const err = maxRelErr(H, fd);
    within(err, HVP_FD_TOL, `${loss}/${act}: dense Hessian (${P}×${P}) vs finite differences`);
    const { symmetry } = checkHvp(`${loss}/${act}`, n.init, scalar);
    const top = hessianTopEigenvalue(L, 1e-12),
      dense = symmetricEigen(P, H, false).values;
    within(relErr(top, dense[P - 1]), 1e-10, `${loss}/${act}: Lanczos top eigenvalue vs dense`);
    console.log(
      `    ${loss}/${act}: P = ${P}, dense vs FD ${err.toExponential(2)}, symmetry ${symmetry.toExponential(2)}, top eigenvalue ${top.toPrecision(8)}`,
    );
  });
}

test(`MSE: H v − G v equals the residual term Σ_a r_a ∇²f_a v/(km), to ${GN_SPLIT_TOL}; G's top eigenvalue is the NTK's`, () => {
  const n = smallNet('mse', 'tanh');
  const { f, loss } = forwardPass(n.model, n.init, n.data);
  const P = parameterCount(loss),
    v = rng.standardNormalArray(P);
  const hv = new Float64Array(P),
    gv = new Float64Array(P);
  hessianMatvec(loss)(v, hv);
  gaussNewtonMatvec(f)(v, gv);
  // The residual term is the Hessian of θ ↦ <r, f(θ)>/(km) with r = f − y held fixed.
  const r = f.value.data.map((x, i) => (x - n.data.Y.data[i]) / f.value.data.length);
  const tape = new Tape();
  const ps = n.init.map((t) => tape.param(t));
  const weighted = ops.sum(ops.mul(tape.constant(tensor(f.value.shape, r)), n.model.forward(ps, tape.constant(n.data.X))));
  const rv = new Float64Array(P);
  hessianMatvec(weighted)(v, rv);
  const split = maxRelErr(
    hv.map((x, i) => x - gv[i]),
    rv,
  );
  within(split, GN_SPLIT_TOL, 'H v − G v vs the residual term');
  const gn = lanczosTop(gaussNewtonMatvec(f), P, { k: 1, tol: 1e-13 }).values[0],
    lambda = ntkTopEigenvalue(f, 1e-13);
  within(relErr(gn, lambda), 1e-10, 'top eigenvalue of JᵀJ/(km) vs the NTK JJᵀ/(km)');
  console.log(`    H − G vs residual term: ${split.toExponential(2)}; top of G vs NTK λ0: ${relErr(gn, lambda).toExponential(2)}`);
  // And G is what the NTK test already pins down: <v, G v> = ‖J v‖²/(km) ≥ 0.
  within(Math.max(0, -dot(v, gv)), 0, 'G is positive semi-definite along v');
});

test('train --track hessian: every recorded Hessian eigenvalue is that of θ_t, warm start or not (1e-9)', () => {
  const n = smallNet('ce', 'tanh');
  const r = train(n.model, n.init, n.data, {
    lr: 0.5,
    steps: 4,
    eigEvery: 2,
    trackHessian: true,
    recordParams: true,
  });
  const measured = r.records.filter((x) => x.hessian !== undefined);
  if (measured.length !== 3) throw new Error(`expected the Hessian at steps 0, 2 and 4, got ${measured.map((x) => x.t)}`);
  for (const rec of measured) {
    const params = rec.params!.map((p, i) => tensor(n.init[i].shape, p));
    within(relErr(rec.hessian!, hessianAt(n.model, params, n.data)), 1e-9, `step ${rec.t}`);
  }
  within(relErr(r.lambdaHessian0, measured[0].hessian!), 0, 'hessian0');
});

test('logistic loss at logits ±1e3: exact loss, gradient and curvature, all finite', () => {
  const tape = new Tape();
  const f = tape.param(tensor([4, 1], Float64Array.of(1e3, -1e3, 1e3, -1e3)));
  const y = tape.constant(tensor([4, 1], Float64Array.of(1, 1, -1, -1)));
  const L = ops.logisticLoss(f, y);
  // softplus(−y f): 0 (e^−1000 underflows), 1000, 1000, 0.
  within(relErr(L.value.data[0], 500), 1e-15, 'loss');
  const { grad, hv } = hvp(L, [Float64Array.of(1, 1, 1, 1)]);
  // −y σ(−y f)/m = 0, −1/4, 1/4, 0 exactly; σ(1 − σ) = 0 in float64 at |f| = 1000.
  within(maxRelErr(grad[0], Float64Array.of(0, -0.25, 0.25, 0)), 0, 'gradient');
  within(Math.max(...hv[0].map(Math.abs)), 1e-300, 'Hessian along (1, 1, 1, 1)');
  const naive = Math.log(1 + Math.exp(1e3));
  if (Number.isFinite(naive)) throw new Error('the naive log(1 + e^1000) was expected to overflow, which is the point of softplus');
});

test('cross-entropy at logits ±1e3: exact loss and gradient, finite HVP', () => {
  const tape = new Tape();
  const f = tape.param(tensor([3, 3], Float64Array.of(1e3, -1e3, 0, -1e3, 1e3, 0.5, 1e3, 1e3, -1e3)));
  const y = tape.constant(tensor([3, 3], Float64Array.of(1, 0, 0, 1, 0, 0, 0, 1, 0)));
  const L = ops.crossEntropyLoss(f, y);
  // Rows: lse = 1000, 1000, 1000 + log 2; losses 0, 2000, log 2.
  within(relErr(L.value.data[0], (2000 + Math.LN2) / 3), 1e-15, 'loss');
  const { grad, hv } = hvp(L, [rng.standardNormalArray(9)]);
  // (softmax − y)/m with softmax rows (1, 0, 0), (0, 1, 0), (½, ½, 0).
  const want = Float64Array.of(0, 0, 0, -1, 1, 0, 0.5, -0.5, 0).map((x) => x / 3);
  // p = exp(f − lse) inherits lse's absolute rounding, an ulp of 1000 (1.1e-13), as a relative error.
  within(maxRelErr(grad[0], want), 1e-12, 'gradient');
  if (!hv[0].every(Number.isFinite)) throw new Error('HVP is not finite at logits ±1e3');
  // Only row 3 has curvature: (diag(p) − ppᵀ)/m with p = (½, ½, 0).
  const v = rng.standardNormalArray(9);
  const hv2 = hvp(L, [v]).hv[0],
    d = (v[6] - v[7]) / 4 / 3;
  // p's relative error (1.1e-13) multiplies each term p_i·v_j/m, not their difference d, which cancels where v[6] ≈ v[7]:
  // the error is measured against the terms' scale (|v[6]| + |v[7]|)/12.
  const wantHv = Float64Array.of(0, 0, 0, 0, 0, 0, d, -d, 0);
  const worst = hv2.reduce((w, x, i) => Math.max(w, Math.abs(x - wantHv[i])), 0);
  within(worst / ((Math.abs(v[6]) + Math.abs(v[7])) / 12), 1e-12, 'HVP against the softmax Jacobian');
});

test.run();
