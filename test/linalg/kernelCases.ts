// Shared kernel-test cases for the backends (wasm, native) against the JS reference: the gemm case list, a runner, bit equality.
import { withBackend } from '../../src/linalg/backend';
import { dgemm } from '../../src/linalg/gemm';
import { kernels } from '../../src/linalg/kernels';
import { LAYOUTS, randomArray, rng, storeMatrix, transpose } from './helpers';

export const ALPHA_BETA: Array<[number, number]> = [
  [1, 0],
  [1, 1],
  [-0.5, 2],
  [1.25, 0],
  [2, -1],
];
export const TRANS: Array<[boolean, boolean]> = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];

export interface GemmCase {
  tA: boolean;
  tB: boolean;
  M: number;
  N: number;
  K: number;
  alpha: number;
  beta: number;
  n: number;
}

/**
 * The gemm tests' case list: all transposes, odd sizes, 5 layouts, 5 alpha/beta pairs, plus multi-block and
 * thread-splitting sizes; `extra` shapes are appended per transpose pair (alpha 1.5, beta 0.5).
 */
export function gemmCases(extra: ReadonlyArray<readonly [number, number, number]> = []): GemmCase[] {
  const sizes = [1, 3, 7, 17, 33, 65, 130];
  const out: GemmCase[] = [];
  let n = 0;
  for (const [tA, tB] of TRANS) {
    for (const M of sizes)
      for (const N of sizes)
        for (const K of sizes) {
          n++;
          if (M * N * K > 7 * 17 * 33 && n % 5 !== 0) continue;
          const [alpha, beta] = ALPHA_BETA[n % ALPHA_BETA.length];
          out.push({ tA, tB, M, N, K, alpha, beta, n });
        }
    // Across K, M and N blocks, and shapes the thread split cuts by rows, by columns, and thin.
    for (const [M, N, K] of [[300, 257, 260], [70, 1030, 40], [1, 3000, 700], [3000, 2, 400], [9, 900, 300], ...extra]) {
      n++;
      out.push({ tA, tB, M, N, K, alpha: 1.5, beta: 0.5, n });
    }
  }
  return out;
}

/**
 * Runs one case on the active kernels (or `fn`); returns C as stored and, unless `withScale` is false (big cases),
 * the rounding-error scale |beta·c| + |alpha|·Σ_k |a_ik b_kj| per stored entry.
 */
export function runGemm(c: GemmCase, fn: typeof dgemm = kernels.dgemm, withScale = true): { C: Float64Array; scale: Float64Array } {
  const { tA, tB, M, N, K, alpha, beta, n } = c;
  const local = rng(1000 + n);
  const opA = randomArray(M * K, local),
    opB = randomArray(K * N, local),
    C0 = randomArray(M * N, local);
  const A = storeMatrix(tA ? K : M, tA ? M : K, tA ? transpose(M, K, opA) : opA, LAYOUTS[n % 5]);
  const B = storeMatrix(tB ? N : K, tB ? K : N, tB ? transpose(K, N, opB) : opB, LAYOUTS[(n + 2) % 5]);
  const Cs = storeMatrix(M, N, C0, LAYOUTS[(n + 4) % 5]);
  fn(tA, tB, M, N, K, alpha, A.buf, A.s1, A.s2, A.off, B.buf, B.s1, B.s2, B.off, beta, Cs.buf, Cs.s1, Cs.s2, Cs.off);
  const scale = new Float64Array(withScale ? Cs.buf.length : 0).fill(1);
  if (withScale)
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let mag = 0;
        for (let k = 0; k < K; k++) mag += Math.abs(opA[i * K + k] * opB[k * N + j]);
        scale[Cs.off + i * Cs.s1 + j * Cs.s2] = Math.abs(beta * C0[i * N + j]) + Math.abs(alpha) * mag || 1;
      }
  return { C: Cs.buf, scale };
}

/** Largest |got − ref| / scale over the stored entries (NaN padding of the strided layouts skipped). */
export function worstRelative(got: Float64Array, ref: { C: Float64Array; scale: Float64Array }): number {
  let worst = 0;
  for (let i = 0; i < ref.C.length; i++) {
    if (Number.isNaN(ref.C[i])) continue;
    worst = Math.max(worst, Math.abs(got[i] - ref.C[i]) / ref.scale[i]);
  }
  return worst;
}

/** True when both arrays hold the same bits (NaN = NaN, 0 ≠ −0). */
export function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Runs `f` on a backend and thread count, then restores the one active before. */
export const on = withBackend;
