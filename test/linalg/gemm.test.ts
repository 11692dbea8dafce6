// Tests for the blocked dgemm: against the naive triple loop, an independent reference and @stdlib/blas-base-dgemm.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dgemm, dgemmNaive, matmul } from '../../src/linalg/gemm';
import { rng, randomArray, storeMatrix, loadMatrix, LAYOUTS, transpose, matmulRef, track, reportWorst } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const stdlibDgemm = require('@stdlib/blas-base-dgemm') as {
  ndarray(
    tA: string,
    tB: string,
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: Float64Array,
    sa1: number,
    sa2: number,
    oa: number,
    B: Float64Array,
    sb1: number,
    sb2: number,
    ob: number,
    beta: number,
    C: Float64Array,
    sc1: number,
    sc2: number,
    oc: number,
  ): Float64Array;
};

/** Max elementwise error relative to |beta·c| + |alpha|·sum_k |a_ik||b_kj| (a rounding-error bound scale). */
const TOL = 1e-13;
const FILE = 'gemm';
const next = rng(2024);
const ALPHA_BETA: Array<[number, number]> = [
  [1, 0],
  [1, 1],
  [-0.5, 2],
  [1.25, 0],
  [2, -1],
];

interface Case {
  transA: boolean;
  transB: boolean;
  M: number;
  N: number;
  K: number;
  alpha: number;
  beta: number;
  la: (typeof LAYOUTS)[number];
  lb: (typeof LAYOUTS)[number];
  lc: (typeof LAYOUTS)[number];
}

/** Runs one case through dgemm and returns its max relative error vs an independent logical-array reference. */
function runCase(c: Case, fn = dgemm): { err: number; C: Float64Array; naiveBitsEqual: boolean } {
  const { transA, transB, M, N, K, alpha, beta } = c;
  const opA = randomArray(M * K, next); // logical op(A), M×K
  const opB = randomArray(K * N, next);
  const C0 = randomArray(M * N, next);
  if (beta === 0) C0.fill(NaN); // beta = 0 must ignore whatever C holds
  // Stored A is K×M when transA (its transpose is op(A)); same for B.
  const A = storeMatrix(transA ? K : M, transA ? M : K, transA ? transpose(M, K, opA) : opA, c.la);
  const B = storeMatrix(transB ? N : K, transB ? K : N, transB ? transpose(K, N, opB) : opB, c.lb);
  const Cs = storeMatrix(M, N, C0, c.lc);
  const Cn = Cs.buf.slice();
  fn(transA, transB, M, N, K, alpha, A.buf, A.s1, A.s2, A.off, B.buf, B.s1, B.s2, B.off, beta, Cs.buf, Cs.s1, Cs.s2, Cs.off);
  dgemmNaive(transA, transB, M, N, K, alpha, A.buf, A.s1, A.s2, A.off, B.buf, B.s1, B.s2, B.off, beta, Cn, Cs.s1, Cs.s2, Cs.off);
  let naiveBitsEqual = true;
  for (let i = 0; i < Cn.length; i++) if (!Object.is(Cn[i], Cs.buf[i])) naiveBitsEqual = false;
  const got = loadMatrix(M, N, Cs.buf, Cs.s1, Cs.s2, Cs.off);
  let err = 0;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      let mag = 0;
      for (let k = 0; k < K; k++) {
        s += opA[i * K + k] * opB[k * N + j];
        mag += Math.abs(opA[i * K + k] * opB[k * N + j]);
      }
      const c0 = beta === 0 ? 0 : beta * C0[i * N + j];
      const ref = c0 + alpha * s;
      const scale = Math.abs(c0) + Math.abs(alpha) * mag || 1;
      err = Math.max(err, Math.abs(got[i * N + j] - ref) / scale);
    }
  }
  return { err, C: got, naiveBitsEqual };
}

const TRANS: Array<[boolean, boolean]> = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

test('dgemm matches the reference for all transposes, odd sizes, layouts and alpha/beta', () => {
  const sizes = [1, 3, 7, 17, 33, 65, 130];
  let n = 0;
  for (const [transA, transB] of TRANS) {
    for (const M of sizes)
      for (const N of sizes)
        for (const K of sizes) {
          // Thin the full cube deterministically: every size triple for the 3 smallest, a rotating subset otherwise.
          n++;
          if (M * N * K > 7 * 17 * 33 && n % 5 !== 0) continue;
          const [alpha, beta] = ALPHA_BETA[n % ALPHA_BETA.length];
          const c: Case = { transA, transB, M, N, K, alpha, beta, la: LAYOUTS[n % 5], lb: LAYOUTS[(n + 2) % 5], lc: LAYOUTS[(n + 4) % 5] };
          const r = runCase(c);
          track(FILE, 'dgemm rel err vs reference', r.err);
          assert.ok(r.err <= TOL, `${JSON.stringify(c)}: err ${r.err}`);
          assert.ok(r.naiveBitsEqual, `${JSON.stringify(c)}: blocked and naive differ in bits`);
        }
  }
});

test('dgemm crosses K, M and N cache blocks (K > 256, M > 64, N > 1024)', () => {
  const cases: Array<[number, number, number]> = [
    [70, 9, 520],
    [130, 1030, 5],
    [67, 1031, 259],
  ];
  let n = 0;
  for (const [transA, transB] of TRANS)
    for (const [M, N, K] of cases) {
      n++;
      const [alpha, beta] = ALPHA_BETA[n % ALPHA_BETA.length];
      const c: Case = { transA, transB, M, N, K, alpha, beta, la: LAYOUTS[n % 5], lb: LAYOUTS[(n + 1) % 5], lc: LAYOUTS[(n + 3) % 5] };
      const r = runCase(c);
      track(FILE, 'dgemm rel err vs reference (multi-block)', r.err);
      assert.ok(r.err <= TOL, `${JSON.stringify(c)}: err ${r.err}`);
      assert.ok(r.naiveBitsEqual, `${JSON.stringify(c)}: blocked and naive differ in bits`);
    }
});

test('dgemm agrees with @stdlib/blas-base-dgemm', () => {
  const cases: Array<[number, number, number]> = [
    [5, 7, 3],
    [33, 17, 65],
    [64, 64, 64],
    [130, 7, 300],
  ];
  for (const [transA, transB] of TRANS)
    for (const [M, N, K] of cases)
      for (const [alpha, beta] of [
        [1, 0],
        [-0.75, 0.5],
      ]) {
        const Ar = transA ? K : M,
          Ac = transA ? M : K,
          Br = transB ? N : K,
          Bc = transB ? K : N;
        const A = storeMatrix(Ar, Ac, randomArray(Ar * Ac, next), 'row-lda');
        const B = storeMatrix(Br, Bc, randomArray(Br * Bc, next), 'col');
        const C = storeMatrix(M, N, randomArray(M * N, next), 'col-lda');
        const C2 = C.buf.slice();
        dgemm(transA, transB, M, N, K, alpha, A.buf, A.s1, A.s2, A.off, B.buf, B.s1, B.s2, B.off, beta, C.buf, C.s1, C.s2, C.off);
        stdlibDgemm.ndarray(
          transA ? 'transpose' : 'no-transpose',
          transB ? 'transpose' : 'no-transpose',
          M,
          N,
          K,
          alpha,
          A.buf,
          A.s1,
          A.s2,
          A.off,
          B.buf,
          B.s1,
          B.s2,
          B.off,
          beta,
          C2,
          C.s1,
          C.s2,
          C.off,
        );
        const x = loadMatrix(M, N, C.buf, C.s1, C.s2, C.off);
        const y = loadMatrix(M, N, C2, C.s1, C.s2, C.off);
        // |C| ~ sqrt(K)/3 for uniform [-1,1) entries; scale by the sum-of-|terms| bound, at most K + |beta|·1.
        let err = 0;
        for (let i = 0; i < x.length; i++) err = Math.max(err, Math.abs(x[i] - y[i]) / (Math.abs(alpha) * K + Math.abs(beta)));
        track(FILE, 'dgemm rel err vs stdlib', err);
        assert.ok(err <= TOL, `stdlib M=${M} N=${N} K=${K} tA=${transA} tB=${transB}: ${err}`);
      }
});

test('dgemm edge cases: zero sizes, alpha = 0 and K = 0 leave A, B unread; beta = 0 clears NaN', () => {
  const nanA = new Float64Array(12).fill(NaN);
  const nanB = new Float64Array(12).fill(NaN);
  const C = new Float64Array([1, 2, 3, 4]);
  dgemm(false, false, 2, 2, 3, 0, nanA, 3, 1, 0, nanB, 2, 1, 0, 2, C, 2, 1, 0);
  assert.equal(Array.from(C), [2, 4, 6, 8]);
  dgemm(false, false, 2, 2, 0, 1, nanA, 3, 1, 0, nanB, 2, 1, 0, 0.5, C, 2, 1, 0);
  assert.equal(Array.from(C), [1, 2, 3, 4]);
  const Cn = new Float64Array(4).fill(NaN);
  dgemm(false, false, 2, 2, 0, 1, nanA, 3, 1, 0, nanB, 2, 1, 0, 0, Cn, 2, 1, 0);
  assert.equal(Array.from(Cn), [0, 0, 0, 0]);
  const untouched = new Float64Array([7, 8]);
  dgemm(false, false, 0, 2, 3, 1, nanA, 3, 1, 0, nanB, 2, 1, 0, 0, untouched, 2, 1, 0);
  dgemm(true, true, 2, 0, 3, 1, nanA, 3, 1, 0, nanB, 2, 1, 0, 0, untouched, 2, 1, 0);
  assert.equal(Array.from(untouched), [7, 8]);
});

test('dgemm is bitwise deterministic across calls', () => {
  const M = 97,
    N = 131,
    K = 300;
  const A = randomArray(M * K, next);
  const B = randomArray(K * N, next);
  const C1 = new Float64Array(M * N);
  const C2 = new Float64Array(M * N);
  matmul(false, false, M, N, K, A, B, C1);
  matmul(false, false, 5, 5, 5, A, B, new Float64Array(25)); // different sizes in between must not leave state
  matmul(false, false, M, N, K, A, B, C2);
  for (let i = 0; i < C1.length; i++) assert.ok(Object.is(C1[i], C2[i]), `bit mismatch at ${i}`);
});

test('matmul: contiguous row-major wrapper for all transposes', () => {
  const M = 13,
    N = 9,
    K = 21;
  const A = randomArray(M * K, next);
  const B = randomArray(K * N, next);
  const ref = matmulRef(M, K, N, A, B);
  const At = transpose(M, K, A);
  const Bt = transpose(K, N, B);
  for (const [tA, tB] of TRANS) {
    const C = matmul(tA, tB, M, N, K, tA ? At : A, tB ? Bt : B, new Float64Array(M * N));
    let err = 0;
    for (let i = 0; i < C.length; i++) err = Math.max(err, Math.abs(C[i] - ref[i]) / K);
    track(FILE, 'matmul rel err', err);
    assert.ok(err <= TOL);
  }
  const C = new Float64Array(M * N).fill(1);
  matmul(false, false, M, N, K, A, B, C, 2, 3);
  for (let i = 0; i < C.length; i++) assert.ok(Math.abs(C[i] - (3 + 2 * ref[i])) <= TOL * (3 + 2 * K));
  assert.throws(() => matmul(false, false, M, N, K, A.subarray(1), B, C), /A has/);
});

test.after(() => reportWorst(FILE));
test.run();
