// Second-order jets and the third derivative D³L[u, u, ·]: per primitive (typed over Prim), and on small nets with layer norm and cross-entropy.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RandomState } from '../../src/random/randomState';
import { Tensor, tensor } from '../../src/linalg/tensor';
import { Tape, Var, ops, hvp, curvatureGradient, jetRules, Prim } from '../../src/autodiff';
import { gaussianData, loadClassification, Dataset } from '../../src/data';
import { LossKind, lossOf, initParams, makeModel, Model } from '../../src/models';
import { dotList, relErr, within } from '../util';
import { Build, primitiveCases } from './cases';

/** Curvature and slope against the exact HVP and gradient: the same quantities by other sweeps, so rounding only. */
const SAME_MATH_TOL = 1e-12;
/** D³L[u, u, w] against a Richardson-extrapolated central difference of uᵀH(θ + εw)u (exact HVPs): O(ε⁴) + rounding/ε. */
const THIRD_FD_TOL = 1e-9;
const FD_STEP = 2.5e-4;

const rng = new RandomState(23);
const draw = (ts: readonly Tensor[]) => ts.map((t) => rng.standardNormalArray(t.data.length));

/** uᵀ∇²φ(θ + εw)u by an exact HVP on a fresh tape. */
function curvatureAt(
  inputs: readonly Tensor[],
  u: readonly Float64Array[],
  w: readonly Float64Array[],
  eps: number,
  phi: (ps: Var[]) => Var,
): number {
  const tape = new Tape();
  const ps = inputs.map((t, k) =>
    tape.param(
      tensor(
        t.shape,
        t.data.map((x, i) => x + eps * w[k][i]),
      ),
    ),
  );
  return dotList(u, hvp(phi(ps), u).hv);
}

/** d/dε uᵀH(θ + εw)u at 0, Richardson on central differences at ε and ε/2. */
function thirdByDifferences(
  inputs: readonly Tensor[],
  u: readonly Float64Array[],
  w: readonly Float64Array[],
  phi: (ps: Var[]) => Var,
): number {
  const central = (h: number) => (curvatureAt(inputs, u, w, h, phi) - curvatureAt(inputs, u, w, -h, phi)) / (2 * h);
  return (4 * central(FD_STEP / 2) - central(FD_STEP)) / 3;
}

/** Checks the jet's slope and curvature against the gradient and an HVP, and its gradient along w against differences. */
function checkThird(name: string, inputs: readonly Tensor[], phi: (ps: Var[]) => Var): { curvature: number; third: number } {
  const u = draw(inputs),
    w = draw(inputs);
  const tape = new Tape();
  const loss = phi(inputs.map((t) => tape.param(t)));
  const { curvature, slope, grad } = curvatureGradient(loss, u);
  const exact = hvp(loss, u);
  within(relErr(slope, dotList(exact.grad, u)), SAME_MATH_TOL, `${name}: jet slope vs ⟨∇φ, u⟩`);
  within(relErr(curvature, dotList(exact.hv, u)), SAME_MATH_TOL, `${name}: jet curvature vs uᵀ(Hu)`);
  const third = relErr(dotList(grad, w), thirdByDifferences(inputs, u, w, phi));
  within(third, THIRD_FD_TOL, `${name}: D³φ[u, u, w] vs differences of uᵀH(θ + εw)u`);
  return { curvature: relErr(curvature, dotList(exact.hv, u)), third };
}

const cases = primitiveCases(rng);
// Typed over Prim like the rule table: a primitive added without a jet rule fails to compile there, and without a case here.
const primitives = Object.keys(jetRules) as Prim[];
test('every primitive has a jet rule and a case', () => {
  assert.equal(primitives.slice().sort(), (Object.keys(cases) as Prim[]).sort());
});

for (const prim of primitives) {
  test(`primitive ${prim}: jets give ⟨∇φ, u⟩ and uᵀHu (${SAME_MATH_TOL}) and D³φ[u, u, ·] (${THIRD_FD_TOL} vs differences), φ = ⟨c, tanh(${prim}(x))⟩`, () => {
    (cases[prim] as [Tensor[], Build][]).forEach(([inputs, build], i) => {
      let c: Float64Array | null = null;
      checkThird(`${prim}#${i}`, inputs, (ps) => {
        // tanh after the primitive: every rule's tangents then reach a non-zero second and third derivative.
        const out = ops.tanh(build(ps));
        c ??= rng.standardNormalArray(out.value.data.length);
        return ops.sum(ops.mul(ps[0].tape.constant(tensor(out.value.shape, c)), out));
      });
    });
  });
}

test('conv2d → batch norm → max pool → global average pool: D³ against differences', () => {
  const shapes = [[2, 2, 6, 6], [3, 2, 3, 3], [3], [3], [3]];
  const inputs = shapes.map((s) => tensor(s, rng.standardNormalArray(s.reduce((a, b) => a * b, 1))));
  const c = rng.standardNormalArray(6);
  checkThird('conv stack', inputs, ([x, W, b, g, beta]) => {
    const h = ops.maxPool2d(ops.tanh(ops.batchNorm(ops.conv2d(x, W, b, { stride: 1 }), g, beta)), 2);
    return ops.sum(ops.mul(x.tape.constant(tensor([2, 3], c)), ops.globalAvgPool(h)));
  });
});

/** A small standard-parameterization MLP (optionally with layer norm) with the loss on data that suits it. */
function smallNet(loss: LossKind, norm: 'none' | 'layer'): { model: Model; data: Dataset; init: Tensor[] } {
  const data: Dataset =
    loss === 'mse'
      ? gaussianData(6, 4, 3, 5)
      : loadClassification('synthetic', { trainSize: 6, testSize: 0, classes: [0, 1, 2], seed: 3, inputDim: 4 }).train;
  const model = makeModel({
    kind: 'mlp',
    width: 7,
    depth: 2,
    act: 'tanh',
    param: 'standard',
    sigmaW: 1.4,
    sigmaB: 0.3,
    outputs: data.Y.shape[1],
    inputDim: 4,
    loss,
    norm,
  });
  return { model, data, init: initParams(model, 2) };
}

for (const [loss, norm] of [
  ['mse', 'none'],
  ['mse', 'layer'],
  ['ce', 'none'],
  ['ce', 'layer'],
] as const) {
  test(`tanh MLP, ${loss}, norm ${norm}: D³L[u, u, ·] from one jet replay against differences (${THIRD_FD_TOL})`, () => {
    const n = smallNet(loss, norm);
    checkThird(`${loss}/${norm}`, n.init, (ps) =>
      lossOf(loss, n.model.forward(ps, ps[0].tape.constant(n.data.X)), ps[0].tape.constant(n.data.Y)),
    );
  });
}

test('curvatureGradient refuses a non-scalar output and directions of the wrong size', () => {
  const tape = new Tape();
  const x = tape.param(tensor([3], Float64Array.of(1, 2, 3)));
  assert.throws(() => curvatureGradient(ops.square(x), [new Float64Array(3)]), /must be a scalar/);
  assert.throws(() => curvatureGradient(ops.sum(ops.square(x)), [new Float64Array(2)]), /direction 0 has 2 entries/);
  assert.throws(() => curvatureGradient(ops.sum(ops.square(x)), []), /0 direction arrays for 1 parameters/);
});

test.run();
