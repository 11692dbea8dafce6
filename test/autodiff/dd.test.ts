// The dd rule table against the float64 rules, its own adjoint identity, and dd finite differences, case by primitive.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RandomState } from '../../src/random/randomState';
import { Prim, Tape, ddForward, ddJvp, ddVjp, gatherRule, jvp, ops } from '../../src/autodiff';
import * as D from '../../src/linalg/dd/arith';
import { DdTensor, ddDot, ddFrom, ddGet, ddRound, ddZeros } from '../../src/linalg/dd/tensor';
import { tensor } from '../../src/linalg/tensor';
import { primitiveCases } from './cases';
import { maxRelErr, within } from '../util';
import { spawnSync } from 'child_process';
import { ddLanczosTop } from '../../src/linalg/dd/lanczos';
import { ddNtkMatvec } from '../../src/autodiff';
import { gaussianData } from '../../src/data';
import { forwardPass, initParams, makeModel, ntkTop } from '../../src/models';

const rng = new RandomState(18);

/** A dd tensor with a random low part, so the dd evaluation sees values no double holds. */
function withLow(t: { data: Float64Array; shape: readonly number[] }): DdTensor {
  const d = ddFrom(t as never);
  for (let i = 0; i < d.hi.length; i++) {
    const v = D.twoSum(d.hi[i], d.hi[i] * 2 ** -60 * rng.standardNormal());
    d.hi[i] = v.hi;
    d.lo[i] = v.lo;
  }
  return d;
}

const sumDot = (a: readonly DdTensor[], b: readonly DdTensor[]) => a.reduce((s, x, k) => D.add(s, ddDot(x, b[k])), D.DD_ZERO);
const rel = (a: D.DD, b: D.DD) => Math.abs(D.sub(a, b).hi) / Math.max(Math.abs(a.hi), Math.abs(b.hi), 1e-300);

const cases = primitiveCases(rng);
for (const prim of Object.keys(cases) as Prim[]) {
  cases[prim].forEach(([inputs, build], c) => {
    test(`dd ${prim} #${c}: forward and jvp match float64, ⟨Jv, w⟩ = ⟨v, Jᵀw⟩ to 1e-28, jvp = dd central difference`, () => {
      const tape = new Tape();
      const out = build(inputs.map((x) => tape.param(x)));
      const exactInputs = inputs.map((x) => ddFrom(x));
      const values = ddForward(tape, exactInputs);
      // On double inputs the dd value rounds to the float64 one up to float64's own rounding (a few ulps).
      within(maxRelErr(ddRound(values[out.id]).data, out.value.data), 1e-14, `${prim} forward vs float64`);
      const v = inputs.map((x) => withLow({ data: rng.standardNormalArray(x.data.length), shape: x.shape }));
      const w = withLow({ data: rng.standardNormalArray(out.value.data.length), shape: out.value.shape });
      const jv = ddJvp(tape, values, out.id, v);
      within(
        maxRelErr(
          ddRound(jv).data,
          jvp(
            out,
            v.map((t) => ddRound(t).data),
          ),
        ),
        1e-13,
        `${prim} jvp vs float64`,
      );
      const lhs = ddDot(jv, w),
        rhs = sumDot(v, ddVjp(tape, values, out.id, w));
      within(rel(lhs, rhs), 1e-28, `${prim} adjoint identity in dd`);
      // (f(x + hv) − f(x − hv))/2h in dd: truncation h²·f‴ ≈ 1e-16, rounding u²/h ≈ 1e-24.
      const h = 1e-8;
      const shifted = (sign: number) =>
        ddForward(
          tape,
          exactInputs.map((x, k) => {
            const y = ddZeros(x.shape);
            for (let i = 0; i < y.hi.length; i++) {
              const s = D.add(ddGet(x, i), D.mulD(ddGet(v[k], i), sign * h));
              y.hi[i] = s.hi;
              y.lo[i] = s.lo;
            }
            return y;
          }),
        )[out.id];
      const plus = shifted(1),
        minus = shifted(-1),
        fd = new Float64Array(jv.hi.length);
      for (let i = 0; i < fd.length; i++) fd[i] = D.toNumber(D.div(D.sub(ddGet(plus, i), ddGet(minus, i)), D.dd(2 * h)));
      within(maxRelErr(fd, ddRound(jv).data), 1e-13, `${prim} jvp vs dd central difference`);
      tape.dispose();
    });
  });
}

test('gatherRule: a data-movement rule from its index map (forward gathers, vjp scatter-adds, adjoint holds)', () => {
  const rule = gatherRule<'reshape'>(() => Int32Array.of(2, 0, -1, 2));
  const x = withLow(tensor([3], Float64Array.of(1, 2, 3)));
  const tape = new Tape();
  const node = ops.reshape(tape.param(tensor([3], Float64Array.of(1, 2, 3))), [3]);
  const y = rule.forward([x], tape.nodes[0] as never, [4]);
  assert.equal(Array.from(y.hi), [x.hi[2], x.hi[0], 0, x.hi[2]]);
  const acc = ddZeros([3]),
    g = withLow(tensor([4], Float64Array.of(1, 10, 100, 1000)));
  rule.vjp({ node: tape.nodes[0] as never, g, x: [x], y, acc: () => acc });
  assert.equal(ddRound(acc).data[2], D.toNumber(D.add(ddGet(g, 0), ddGet(g, 3))));
  const t = withLow(tensor([3], Float64Array.of(0.5, -1, 2)));
  within(rel(ddDot(rule.jvp({ node: tape.nodes[0] as never, t: [t], x: [x], y })!, g), ddDot(t, acc)), 1e-30, 'gather adjoint');
  void node;
  tape.dispose();
});

/** mpmath's symmetric eigensolver at 250 bits on a dd matrix given as (hi, lo) pairs: its largest eigenvalue as (hi, lo). */
const TOP_EIGENVALUE = `
import sys, json
import mpmath
mpmath.mp.prec = 250
d = json.load(sys.stdin)
n = d['n']
A = mpmath.matrix(n, n)
for i in range(n):
    for j in range(n):
        h, l = d['a'][i * n + j]
        A[i, j] = mpmath.mpf(h) + mpmath.mpf(l)
top = max(mpmath.eigsy(A, eigvals_only=True))
hi = float(top)
print(json.dumps([hi, float(top - hi)]))
`;

test('dd λ: Lanczos on dd NTK matvecs matches mpmath’s top eigenvalue of the dd NTK to 1e-29', () => {
  const mp = spawnSync('python3', ['-c', 'import mpmath'], { encoding: 'utf8' });
  if (mp.status !== 0) return void console.log('  skipped: python3 with mpmath not found (the reference eigensolver)');
  const model = makeModel({
    kind: 'mlp',
    width: 6,
    depth: 2,
    act: 'tanh',
    param: 'standard',
    sigmaW: 1.5,
    sigmaB: 0.1,
    outputs: 2,
    inputDim: 3,
  });
  const data = gaussianData(4, 3, 2, 1),
    init = initParams(model, 2);
  const { tape, f } = forwardPass(model, init, data);
  const values = ddForward(tape, init.map(withLow));
  const n = f.value.data.length,
    matvec = ddNtkMatvec(tape, values, f.id);
  // The dense NTK in dd, column by column from the same matvec, for the reference.
  const a: [number, number][] = new Array(n * n);
  for (let j = 0; j < n; j++) {
    const e = ddZeros([n]);
    e.hi[j] = 1;
    const col = matvec(e);
    for (let i = 0; i < n; i++) a[i * n + j] = [col.hi[i], col.lo[i]];
  }
  const r = spawnSync('python3', ['-c', TOP_EIGENVALUE], { input: JSON.stringify({ n, a }), encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  const [hi, lo] = JSON.parse(r.stdout) as [number, number];
  const top = ddLanczosTop(matvec, n, ntkTop(f).vector);
  assert.ok(top.converged);
  within(rel(top.value, { hi, lo }), 1e-29, 'dd Lanczos vs mpmath eigsy');
  console.log(
    `    dd λ = ${top.value.hi} + ${top.value.lo.toExponential(3)} after ${top.iterations} iterations; vs mpmath ${rel(top.value, { hi, lo }).toExponential(2)}`,
  );
  tape.dispose();
});

test.run();
