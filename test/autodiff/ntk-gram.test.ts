// The Gram route of the NTK matvec against the plain reverse-then-forward sweeps: every transpose layout, weight side, a shared weight, flops skipped.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Tape, jvp, ntkMatvec, ops, vjp } from '../../src/autodiff';
import { gramNtkProduct } from '../../src/autodiff/ntkGram';
import { tensor } from '../../src/linalg/tensor';
import { rng } from '../linalg/helpers';
import { maxRelErr } from '../util';

/** Both routes sum the same products in other orders: a few roundings of the output's scale apart. */
const ROUTE_TOL = 1e-14;
const next = rng(29);
const random = (shape: number[]) =>
  tensor(
    shape,
    Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => next() - 0.5),
  );

/** J Jᵀ w by one vjp then one jvp: the route the Gram one replaces. */
function plainProduct(f: ReturnType<Tape['param']>, w: Float64Array): Float64Array {
  return jvp(f, vjp(f, w)).slice();
}

function checkRoutes(what: string, f: ReturnType<Tape['param']>, gramNodes: boolean): void {
  const gram = gramNtkProduct(f);
  assert.is(gram !== null, gramNodes, `${what}: the Gram route ${gramNodes ? 'must' : 'must not'} be taken`);
  if (gram === null) return;
  for (let trial = 0; trial < 2; trial++) {
    const w = random([f.value.data.length]).data;
    const out = new Float64Array(w.length);
    gram(w, out);
    const err = maxRelErr(out, plainProduct(f, w));
    assert.ok(err <= ROUTE_TOL, `${what}: Gram vs plain ${err}`);
  }
}

test('dense layers with their NTK multipliers folded into the matmuls (alpha ≠ 1): the Gram route carries alpha²', () => {
  const t = new Tape();
  const X = t.constant(random([5, 8]));
  const h = ops.tanh(ops.dense(X, t.param(random([6, 8])), null, 0.37));
  checkRoutes('alpha', ops.dense(h, t.param(random([3, 6])), null, 1.9), true);
});

// A two-layer net: tanh(X W1ᵀ) W2ᵀ with X of 6 rows, below both fan-ins, in each storage layout of the operands.
for (const [transA, transB] of [
  [false, true],
  [false, false],
  [true, false],
  [true, true],
] as const) {
  test(`weight as B (transA ${transA}, transB ${transB}): the Gram route equals the plain sweeps`, () => {
    const t = new Tape();
    const X = t.constant(random(transA ? [9, 6] : [6, 9]));
    const W1 = t.param(random(transB ? [7, 9] : [9, 7]));
    const h = ops.tanh(ops.matmul(X, W1, transA, transB));
    const W2 = t.param(random([3, 7]));
    checkRoutes('B', ops.matmul(h, W2, false, true), true);
  });
}

test('weight as A (a 4-column output, below the inner size 11): the Gram route equals the plain sweeps', () => {
  for (const [transA, transB] of [
    [false, false],
    [true, true],
  ] as const) {
    const t = new Tape();
    const W = t.param(random(transA ? [11, 5] : [5, 11]));
    const X = t.constant(random(transB ? [4, 11] : [11, 4]));
    const h = ops.tanh(ops.matmul(W, X, transA, transB));
    checkRoutes('A', ops.scale(h, 0.5), true);
  }
});

test('a weight read twice, or a batch above the fan-in, keeps the plain route', () => {
  const t = new Tape();
  const X = t.constant(random([5, 5]));
  const W = t.param(random([5, 5]));
  checkRoutes('shared', ops.matmul(ops.tanh(ops.matmul(X, W)), W), false);
  const u = new Tape();
  const wide = u.param(random([3, 4]));
  checkRoutes('batch 8 > fan-in 4', ops.matmul(u.constant(random([8, 4])), wide, false, true), false);
});

test('ntkMatvec takes the Gram route: within rounding of J(Jᵀw)/(km)', () => {
  const t = new Tape();
  const X = t.constant(random([4, 10]));
  const W1 = t.param(random([8, 10])),
    b1 = t.param(random([8])),
    W2 = t.param(random([2, 8]));
  const f = ops.dense(ops.relu(ops.dense(X, W1, b1, 0.3, 0.1)), W2, null, 0.35);
  const w = random([8]).data,
    out = new Float64Array(8);
  ntkMatvec(f)(w, out);
  const want = plainProduct(f, w).map((x) => x / 8);
  assert.ok(maxRelErr(out, want) <= ROUTE_TOL, `ntkMatvec vs plain ${maxRelErr(out, want)}`);
});

test.run();
