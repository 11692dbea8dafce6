// Adjoint (<w, Jv> = <Jᵀw, v>) and central finite-difference checks for every primitive and for depth-3 MLPs.
import { test } from 'uvu';
import { RandomState } from '../../src/random/randomState';
import { Tensor, tensor } from '../../src/linalg/tensor';
import { Tape, Var, ops, jvp, vjp, rules, Prim } from '../../src/autodiff';
import { gaussianData } from '../../src/data';
import { forwardPass, initParams, makeModel } from '../../src/models';
import { dot, dotList, maxRelErr, randn, relErr, within } from '../util';
import { Build, primitiveCases } from './cases';

const ADJOINT_TOL = 1e-12;
const FD_TOL = 1e-7;
const FD_STEP = 1e-5;

/** Checks J from vjp and jvp agree (<w,Jv> = <Jᵀw,v>) and Jv matches central differences. */
function check(name: string, inputs: Tensor[], build: Build, rng: RandomState): { adjoint: number; fd: number } {
  const tape = new Tape();
  const out = build(inputs.map((t) => tape.param(t)));
  const w = rng.standardNormalArray(out.value.data.length);
  const v = inputs.map((t) => rng.standardNormalArray(t.data.length));
  const jv = jvp(out, v);
  const jtw = vjp(out, w);
  const adjoint = relErr(dot(w, jv), dotList(jtw, v));
  within(adjoint, ADJOINT_TOL, `${name}: <w, Jv> vs <Jᵀw, v>`);
  const shifted = (sign: number) => {
    const t2 = new Tape();
    const ps = inputs.map((t, k) =>
      t2.param(
        tensor(
          t.shape,
          t.data.map((x, i) => x + sign * FD_STEP * v[k][i]),
        ),
      ),
    );
    return build(ps).value.data;
  };
  const plus = shifted(1),
    minus = shifted(-1);
  let num = 0,
    den = 0;
  for (let i = 0; i < jv.length; i++) {
    num = Math.max(num, Math.abs((plus[i] - minus[i]) / (2 * FD_STEP) - jv[i]));
    den = Math.max(den, Math.abs(jv[i]));
  }
  const fd = num / den;
  within(fd, FD_TOL, `${name}: central differences vs JVP`);
  return { adjoint, fd };
}

const rng = new RandomState(7);
const cases = primitiveCases(rng);

test('the case table covers every primitive of the rule table', () => {
  const missing = (Object.keys(rules) as Prim[]).filter((p) => !(p in cases));
  if (missing.length) throw new Error(`no adjoint case for ${missing.join(', ')}`);
});

for (const prim of Object.keys(cases) as Prim[]) {
  test(`primitive ${prim}: adjoint to ${ADJOINT_TOL}, central differences to ${FD_TOL}`, () => {
    cases[prim].forEach(([inputs, build], i) => check(`${prim}#${i}`, inputs, build, rng));
  });
}

test('composites: log-sigmoid, dense layer, layer norm, MSE, logistic and cross-entropy losses', () => {
  const A = () => randn(rng, [3, 4]);
  const labels = tensor([3, 1], Float64Array.of(1, -1, 1)),
    oneHot = tensor([3, 4], Float64Array.of(0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1));
  check('logSigmoid', [A()], ([a]) => ops.logSigmoid(a), rng);
  check('dense', [randn(rng, [5, 4]), randn(rng, [3, 4]), randn(rng, [3])], ([x, W, b]) => ops.dense(x, W, b, 0.7, 0.3), rng);
  check('layerNorm', [A()], ([a]) => ops.layerNorm(a), rng);
  check('mse', [A(), A()], ([f, y]) => ops.mseLoss(f, y), rng);
  check('logistic', [randn(rng, [3, 1])], ([f]) => ops.logisticLoss(f, f.tape.constant(labels)), rng);
  check('cross-entropy', [A()], ([f]) => ops.crossEntropyLoss(f, f.tape.constant(oneHot)), rng);
});

test('convolutional composites: conv2d (strides, SAME/VALID), max/average/global pools, batch norm', () => {
  const x = () => randn(rng, [2, 3, 6, 5]);
  check(
    'conv2d same s1',
    [x(), randn(rng, [4, 3, 3, 3]), randn(rng, [4])],
    ([a, W, b]) => ops.conv2d(a, W, b, { alpha: 0.4, beta: 0.1 }),
    rng,
  );
  check('conv2d same s2', [x(), randn(rng, [2, 3, 3, 3])], ([a, W]) => ops.conv2d(a, W, null, { stride: 2 }), rng);
  check(
    'conv2d valid 1×1 s2',
    [x(), randn(rng, [2, 3, 1, 1]), randn(rng, [2])],
    ([a, W, b]) => ops.conv2d(a, W, b, { stride: 2, padding: 'valid' }),
    rng,
  );
  check('maxPool2d', [x()], ([a]) => ops.maxPool2d(a, 2), rng);
  check('avgPool2d', [x()], ([a]) => ops.avgPool2d(a, 2), rng);
  check('globalAvgPool', [x()], ([a]) => ops.globalAvgPool(a), rng);
  check('batchNorm', [x(), randn(rng, [3]), randn(rng, [3])], ([a, g, b]) => ops.batchNorm(a, g, b), rng);
});

test('rowMax and maxPool2d send a tie to the first index', () => {
  const tape = new Tape();
  const x = tape.param(tensor([1, 1, 2, 2], Float64Array.of(1, 3, 3, 0)));
  const [g] = vjp(ops.maxPool2d(x, 2), Float64Array.of(1));
  if (g.join() !== '0,1,0,0') throw new Error(`gradient of a tied max went to ${g.join()}, expected 0,1,0,0`);
});

for (const act of ['relu', 'tanh'] as const) {
  test(`depth-3 mlp (${act}, ntk parameterization): adjoint and finite differences, outputs and loss`, () => {
    const data = gaussianData(6, 5, 3, 11);
    const model = makeModel({
      kind: 'mlp',
      width: 16,
      depth: 3,
      act,
      param: 'ntk',
      sigmaW: Math.SQRT2,
      sigmaB: 0.2,
      outputs: 3,
      inputDim: 5,
    });
    const init = initParams(model, 3);
    const f = (ps: Var[]) => model.forward(ps, ps[0].tape.constant(data.X));
    const r = check(`mlp-${act} f`, init, f, rng);
    check(`mlp-${act} loss`, init, (ps) => ops.mseLoss(f(ps), ps[0].tape.constant(data.Y)), rng);
    console.log(`    mlp ${act}: adjoint rel. error ${r.adjoint.toExponential(2)}, finite-difference rel. error ${r.fd.toExponential(2)}`);
  });
}

test('gradient of the loss by vjp equals Jᵀ(f − y)/(km) (the MSE chain rule)', () => {
  const data = gaussianData(4, 3, 2, 5);
  const model = makeModel({
    kind: 'mlp',
    width: 8,
    depth: 2,
    act: 'tanh',
    param: 'standard',
    sigmaW: 1.3,
    sigmaB: 0.1,
    outputs: 2,
    inputDim: 3,
  });
  const { f, loss } = forwardPass(model, initParams(model, 1), data);
  const g = vjp(loss, Float64Array.of(1));
  const r = f.value.data.map((x, i) => (x - data.Y.data[i]) / f.value.data.length);
  const jtr = vjp(f, r);
  g.forEach((gk, k) => within(maxRelErr(gk, jtr[k]), 1e-13, `gradient of parameter ${k}`));
});

test.run();
