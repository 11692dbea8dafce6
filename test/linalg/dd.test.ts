// Double-double arithmetic against exact references: Python fractions (add, sub, mul, div, sums, gemm) and mpmath at 400 bits (sqrt, exp, log, …).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'child_process';
import * as D from '../../src/linalg/dd/arith';
import { DdTensor, ddGemm, ddGet, ddSum, ddZeros } from '../../src/linalg/dd/tensor';
import { RandomState } from '../../src/random/randomState';
import { hasNumpy } from '../util';

const U2 = 2 ** -106; // u² for u = 2⁻⁵³

/** Python prints the relative error |(hi + lo) − exact|/|exact| of each case, computed exactly (fractions) or at 400 bits (mpmath). */
const REFERENCE = `
import sys, json
from fractions import Fraction as F
cases = json.load(sys.stdin)
try:
    import mpmath
    mpmath.mp.prec = 400
except ImportError:
    mpmath = None
def q(x): return F(float(x[0])) + F(float(x[1]))  # JSON may spell a double as an int
def exact(op, args):
    if op == 'add': return q(args[0]) + q(args[1])
    if op == 'sub': return q(args[0]) - q(args[1])
    if op == 'mul': return q(args[0]) * q(args[1])
    if op == 'div': return q(args[0]) / q(args[1])
    if op == 'sum': return sum((q(a) for a in args), F(0))
    if op == 'dot': return sum((q(args[i]) * q(args[i + 1]) for i in range(0, len(args), 2)), F(0))
    x = mpmath.mpf(q(args[0]).numerator) / q(args[0]).denominator
    return {'sqrt': mpmath.sqrt, 'exp': mpmath.exp, 'expm1': mpmath.expm1, 'log': mpmath.log, 'log1p': mpmath.log1p,
            'tanh': mpmath.tanh, 'softplus': lambda v: mpmath.log1p(mpmath.exp(v))}[op](x)
out = []
for op, args, got in cases:
    if op not in ('add', 'sub', 'mul', 'div', 'sum', 'dot') and mpmath is None:
        out.append(None); continue
    e = exact(op, args)
    g = q(got)
    if isinstance(e, F):
        out.append(float(abs(g - e) / abs(e)) if e != 0 else float(abs(g)))
    else:
        gm = mpmath.mpf(g.numerator) / g.denominator
        out.append(float(abs(gm - e) / abs(e)))
print(json.dumps(out))
`;

type Case = [string, [number, number][], [number, number]];
const pair = (v: D.DD): [number, number] => [v.hi, v.lo];

/** The relative errors of the cases, from the reference; null where it is unavailable (mpmath missing). */
function reference(cases: Case[]): (number | null)[] {
  const r = spawnSync('python3', ['-c', REFERENCE], { input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`python3 reference failed: ${r.stderr.split('\n').slice(-2).join(' ')}`);
  return JSON.parse(r.stdout);
}

/** A random dd value of magnitude about 10^e with a full low part. */
function randomDd(rng: RandomState, e: number): D.DD {
  const hi = rng.standardNormal() * 10 ** e;
  return D.twoSum(hi, hi * 2 ** -53 * rng.standardNormal());
}

const rng = new RandomState(2026);
const unary: [string, (x: D.DD) => D.DD, () => D.DD][] = [
  ['sqrt', D.sqrt, () => randomDd(rng, rng.standardNormal() * 5)],
  ['exp', D.exp, () => randomDd(rng, rng.standardNormal())],
  ['expm1', D.expm1, () => randomDd(rng, -Math.abs(rng.standardNormal()) * 6)],
  ['log', D.log, () => randomDd(rng, rng.standardNormal() * 50)],
  ['log1p', D.log1p, () => randomDd(rng, -Math.abs(rng.standardNormal()) * 8)],
  ['tanh', D.tanh, () => randomDd(rng, rng.standardNormal() * 2)],
  ['softplus', D.softplus, () => randomDd(rng, rng.standardNormal())],
];
/**
 * Error bounds in units of u²: add 3 and mul 5 (Joldes, Muller & Popescu 2017, Algorithms 6 and 11 with the lo·lo term
 * dropped), div 10 (Algorithm 17's bound for this three-quotient form is smaller); the functions are compositions of a
 * few such operations after exact (Cody–Waite) argument reductions, held to 16u² (≈ 2e-31; the worst measured here is
 * 4.9u², expm1).
 */
const BOUND: Record<string, number> = {
  add: 3,
  sub: 3,
  mul: 5,
  div: 10,
  sqrt: 8,
  exp: 16,
  expm1: 16,
  log: 16,
  log1p: 16,
  tanh: 16,
  softplus: 16,
};

function cases(): Case[] {
  const out: Case[] = [];
  for (let i = 0; i < 200; i++) {
    const a = randomDd(rng, rng.standardNormal() * 3),
      b = randomDd(rng, rng.standardNormal() * 3);
    // Near-cancelling sums too: b ≈ −a, which the accurate addition must still get to 3u² of the result.
    const c = i % 4 === 0 ? D.add(D.neg(a), randomDd(rng, Math.log10(Math.abs(a.hi)) - 10)) : b;
    out.push(['add', [pair(a), pair(c)], pair(D.add(a, c))], ['sub', [pair(a), pair(b)], pair(D.sub(a, b))]);
    out.push(['mul', [pair(a), pair(b)], pair(D.mul(a, b))], ['div', [pair(a), pair(b)], pair(D.div(a, b))]);
  }
  for (const [name, f, draw] of unary) {
    for (let i = 0; i < 60; i++) {
      let x = draw();
      if (name === 'sqrt' || name === 'log') x = x.hi < 0 ? D.neg(x) : x;
      out.push([name, [pair(x)], pair(f(x))]);
    }
  }
  // Edge cases: tiny and large arguments, arguments near the reduction boundaries, and 1 ± tiny for log. (Not e^−700:
  // below ~1e-292 the low word is subnormal and dd has fewer than 106 bits, as documented in arith.ts.)
  for (const x of [1e-20, -1e-20, 0.5, -0.5, 2 ** -10, 0.3465735902799727, 20, -20, 40, -600, 700]) {
    for (const [name, f] of unary)
      if (name !== 'sqrt' && name !== 'log' && !(name === 'log1p' && x <= -1)) out.push([name, [[x, 0]], pair(f(D.dd(x)))]);
  }
  for (const x of [D.twoSum(1, 1e-20), D.twoSum(1, -3e-17), D.dd(1e-200), D.dd(1e300), D.dd(0.75), D.dd(1.999)])
    out.push(['log', [pair(x)], pair(D.log(x))], ['sqrt', [pair(x)], pair(D.sqrt(x))]);
  return out;
}

test('dd operations and functions are within their error bounds of the exact results', () => {
  if (!hasNumpy) return void console.log('  skipped: python3 is not on PATH (the exact references are Python fractions and mpmath)');
  const cs = cases(),
    errs = reference(cs);
  const worst: Record<string, number> = {};
  let skippedMp = 0;
  cs.forEach(([op, args], i) => {
    const e = errs[i];
    if (e === null) return void skippedMp++;
    worst[op] = Math.max(worst[op] ?? 0, e / U2);
    assert.ok(
      e <= BOUND[op] * U2,
      `${op}(${JSON.stringify(args)}): relative error ${e.toExponential(3)} = ${(e / U2).toFixed(2)}u² > ${BOUND[op]}u²`,
    );
  });
  if (skippedMp > 0) console.log(`  ${skippedMp} function cases skipped: mpmath is not installed`);
  if (process.env.CATAPULT_DD_REPORT) console.log('  worst relative error / u²:', JSON.stringify(worst));
});

test('dd sums and gemm keep the contract order and are exact to n·3u² of Σ|terms|', () => {
  if (!hasNumpy) return void console.log('  skipped: python3 is not on PATH');
  const n = 40;
  const x: DdTensor = ddZeros([n]);
  for (let i = 0; i < n; i++) {
    const v = randomDd(rng, rng.standardNormal() * 4);
    x.hi[i] = v.hi;
    x.lo[i] = v.lo;
  }
  // A 3×5·5×2 product checked entry by entry as an exact dot product.
  const M = 3,
    K = 5,
    N = 2;
  const A = ddZeros([M, K]),
    B = ddZeros([K, N]),
    C = ddZeros([M, N]);
  for (const T of [A, B])
    for (let i = 0; i < T.hi.length; i++) {
      const v = randomDd(rng, 0);
      T.hi[i] = v.hi;
      T.lo[i] = v.lo;
    }
  ddGemm(false, false, M, N, K, A, B, C);
  const cs: Case[] = [['sum', Array.from({ length: n }, (_, i) => pair(ddGet(x, i))), pair(ddSum(x))]];
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      const args: [number, number][] = [];
      for (let k = 0; k < K; k++) args.push(pair(ddGet(A, i * K + k)), pair(ddGet(B, k * N + j)));
      cs.push(['dot', args, pair(ddGet(C, i * N + j))]);
    }
  const errs = reference(cs);
  let absSum = 0;
  for (let i = 0; i < n; i++) absSum += Math.abs(x.hi[i]);
  const total = Math.abs(D.toNumber(ddSum(x)));
  assert.ok(errs[0]! <= n * 3 * U2 * (absSum / total), `sum: ${errs[0]}`);
  // Each dot: K products (5u²) and K additions (3u²) relative to Σ|a||b|, itself ≤ K·max: a generous but finite bound.
  errs.slice(1).forEach((e, c) => assert.ok(e! <= 1e-29, `gemm entry ${c}: relative error ${e}`));
});

test.run();
