// Test helpers for linalg: a seeded PRNG (mulberry32) and small dense-matrix utilities.
import { mulberry32 } from '../../src/random/mulberry32';

/** mulberry32: deterministic uniform [0, 1) stream from a 32-bit seed (the one Lanczos starts from). */
export const rng = mulberry32;

/** Standard normal samples by Box–Muller from a uniform stream. */
export function gaussian(next: () => number): () => number {
  return () => {
    const u = 1 - next();
    const v = next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** Array of `len` uniform values in [-1, 1). */
export function randomArray(len: number, next: () => number): Float64Array {
  const x = new Float64Array(len);
  for (let i = 0; i < len; i++) x[i] = 2 * next() - 1;
  return x;
}

/** Random symmetric n×n row-major matrix with entries in [-1, 1). */
export function randomSymmetric(n: number, next: () => number): Float64Array {
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = 2 * next() - 1;
      A[i * n + j] = v;
      A[j * n + i] = v;
    }
  }
  return A;
}

/** Row-major product C = A B with A m×k, B k×n (plain loops, test reference). */
export function matmulRef(m: number, k: number, n: number, A: Float64Array, B: Float64Array): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) C[i * n + j] += A[i * k + p] * B[p * n + j];
  return C;
}

/** Row-major transpose of an m×n matrix. */
export function transpose(m: number, n: number, A: Float64Array): Float64Array {
  const T = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) T[j * m + i] = A[i * n + j];
  return T;
}

/** Max |x_i| (0 for empty). */
export function maxAbs(x: Float64Array): number {
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]));
  return m;
}

/** Frobenius norm. */
export function frob(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s);
}

/** Memory layouts used to store a logical row-major matrix with non-trivial strides. */
export const LAYOUTS = ['row', 'row-lda', 'col', 'col-lda', 'neg'] as const;
export type Layout = (typeof LAYOUTS)[number];

/**
 * Stores the logical R×C row-major matrix A in a fresh buffer with the given layout (padding is NaN, so a
 * stray read shows up); returns the buffer, strides and offset such that A[i,j] = buf[off + i·s1 + j·s2].
 */
export function storeMatrix(
  R: number,
  C: number,
  A: Float64Array,
  kind: Layout,
): { buf: Float64Array; s1: number; s2: number; off: number } {
  let s1 = C,
    s2 = 1,
    off = 0,
    len = R * C;
  if (kind === 'row-lda') {
    s1 = C + 5;
    off = 3;
    len = 3 + R * (C + 5);
  } else if (kind === 'col') {
    s1 = 1;
    s2 = R;
  } else if (kind === 'col-lda') {
    s1 = 1;
    s2 = R + 2;
    off = 1;
    len = 1 + C * (R + 2);
  } else if (kind === 'neg') {
    s1 = -C;
    s2 = -1;
    off = R * C - 1;
  }
  const buf = new Float64Array(Math.max(len, 1)).fill(NaN);
  for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) buf[off + i * s1 + j * s2] = A[i * C + j];
  return { buf, s1, s2, off };
}

/** Reads back the logical R×C matrix from a strided buffer. */
export function loadMatrix(R: number, C: number, buf: Float64Array, s1: number, s2: number, off: number): Float64Array {
  const A = new Float64Array(R * C);
  for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) A[i * C + j] = buf[off + i * s1 + j * s2];
  return A;
}

/** Records the largest error seen per (file, label), printed by `reportWorst` for the test log. */
const worst = new Map<string, number>();
export function track(file: string, label: string, value: number): void {
  const key = `${file}: ${label}`;
  worst.set(key, Math.max(worst.get(key) ?? 0, value));
}
export function reportWorst(file: string): void {
  for (const [k, v] of worst) if (k.startsWith(`${file}: `)) console.log(`  worst ${k} = ${v.toExponential(2)}`);
}
