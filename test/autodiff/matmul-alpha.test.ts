// matmul's alpha (a dense layer's NTK multiplier, applied inside the gemm) against the composite it replaced, scale(matmul(a, b), alpha).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RandomState } from '../../src/random/randomState';
import { Tape, Var, ddForward, ddJvp, ddVjp, hvp, jvp, ops, vjp } from '../../src/autodiff';
import * as D from '../../src/linalg/dd/arith';
import { DdTensor, ddFrom } from '../../src/linalg/dd/tensor';
import { Tensor, tensor } from '../../src/linalg/tensor';
import { maxRelErr, randn, within } from '../util';

/**
 * Folded and composite differ only in where alpha is rounded: (alpha·a_ik)·b_kj summed (or, on OpenBLAS, alpha times
 * each K-block's sum) against alpha times the rounded sum. With K = 37 terms that is a few tens of ulps of the
 * largest entry at most.
 */
const ULP_TOL = 1e-14;
const ALPHA = Math.SQRT2 / Math.sqrt(37);
const rng = new RandomState(29);

type Pair = { name: string; inputs: Tensor[]; folded: (p: Var[]) => Var; composite: (p: Var[]) => Var };

/** Every transpose combination of a 6×37 by 37×5 product, each as the folded primitive and as the old composite. */
function pairs(): Pair[] {
  const out: Pair[] = [];
  for (const transA of [false, true])
    for (const transB of [false, true]) {
      const a = randn(rng, transA ? [37, 6] : [6, 37]),
        b = randn(rng, transB ? [5, 37] : [37, 5]);
      out.push({
        name: `transA ${transA}, transB ${transB}`,
        inputs: [a, b],
        folded: ([x, y]) => ops.tanh(ops.matmul(x, y, transA, transB, ALPHA)),
        composite: ([x, y]) => ops.tanh(ops.scale(ops.matmul(x, y, transA, transB), ALPHA)),
      });
    }
  return out;
}

/** The output, vjp, jvp and HVP of `build` at `inputs` along fixed w, v. */
function sweeps(build: (p: Var[]) => Var, inputs: Tensor[], w: Float64Array, v: Float64Array[]) {
  const tape = new Tape();
  const out = build(inputs.map((t) => tape.param(t)));
  const scalar = ops.sum(ops.mul(out, tape.constant(tensor(out.value.shape, w))));
  return { value: out.value.data, vjp: vjp(out, w), jvp: jvp(out, v), hvp: hvp(scalar, v).hv };
}

for (const p of pairs()) {
  test(`matmul alpha (${p.name}): value, vjp, jvp and HVP equal scale(matmul) to ${ULP_TOL}`, () => {
    const w = rng.standardNormalArray(30),
      v = p.inputs.map((t) => rng.standardNormalArray(t.data.length));
    const f = sweeps(p.folded, p.inputs, w, v),
      c = sweeps(p.composite, p.inputs, w, v);
    within(maxRelErr(f.value, c.value), ULP_TOL, 'value');
    within(maxRelErr(f.jvp, c.jvp), ULP_TOL, 'jvp');
    f.vjp.forEach((g, k) => within(maxRelErr(g, c.vjp[k]), ULP_TOL, `vjp of input ${k}`));
    f.hvp.forEach((h, k) => within(maxRelErr(h, c.hvp[k]), ULP_TOL, `hvp of input ${k}`));
  });
}

/** A dd copy of t with a non-zero low part, so the dd evaluation sees values no double holds. */
function withLow(t: Tensor): DdTensor {
  const d = ddFrom(t);
  for (let i = 0; i < d.hi.length; i++) {
    const s = D.twoSum(d.hi[i], d.hi[i] * 2 ** -60 * rng.standardNormal());
    d.hi[i] = s.hi;
    d.lo[i] = s.lo;
  }
  return d;
}

const bits = (t: DdTensor) => [...t.hi, ...t.lo];

test('matmul alpha in dd: forward, vjp and jvp are the dd composite scale(matmul) bit for bit (alpha applied once, in dd)', () => {
  for (const p of pairs()) {
    const run = (build: (q: Var[]) => Var) => {
      const tape = new Tape();
      const out = build(p.inputs.map((t) => tape.param(t)));
      return { tape, out };
    };
    const f = run(p.folded),
      c = run(p.composite);
    const x = p.inputs.map(withLow),
      w = withLow(tensor(f.out.value.shape, rng.standardNormalArray(f.out.value.data.length))),
      v = p.inputs.map((t) => withLow(tensor(t.shape, rng.standardNormalArray(t.data.length))));
    const fv = ddForward(f.tape, x),
      cv = ddForward(c.tape, x);
    assert.equal(bits(fv[f.out.id]), bits(cv[c.out.id]), `${p.name}: dd forward`);
    assert.equal(ddVjp(f.tape, fv, f.out.id, w).map(bits), ddVjp(c.tape, cv, c.out.id, w).map(bits), `${p.name}: dd vjp`);
    assert.equal(bits(ddJvp(f.tape, fv, f.out.id, v)), bits(ddJvp(c.tape, cv, c.out.id, v)), `${p.name}: dd jvp`);
  }
});

test('dense records one matmul carrying alpha and no scale node (a bias adds its addBias)', () => {
  const tape = new Tape();
  const x = tape.constant(randn(rng, [4, 3])),
    W = tape.param(randn(rng, [2, 3])),
    b = tape.param(randn(rng, [2]));
  ops.dense(x, W, null, 0.25);
  assert.equal(
    tape.nodes.map((n) => n.prim),
    ['matmul'],
  );
  assert.is((tape.nodes[0].saved as { alpha: number }).alpha, 0.25);
  ops.dense(x, W, b, 0.25, 1);
  assert.equal(
    tape.nodes.map((n) => n.prim),
    ['matmul', 'matmul', 'addBias'],
  );
});

test.run();
