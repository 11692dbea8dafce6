// The untiled paths of gemm.ts: C = beta·C, products with fewer than 4 rows or columns, and 1×1 products (dot products).
import { ddot } from './blas';

/** gemm.ts's micro-tile size (rows and columns of C held in registers; its kernel is written out for 4×4): thinner products run here. */
export const MR = 4;
export const NR = 4;

/** C = beta·C over an M×N strided matrix; beta = 0 writes zeros (ignores NaN), beta = 1 is a no-op. */
export function scaleC(M: number, N: number, beta: number, C: Float64Array, s1: number, s2: number, oc: number): void {
  let i = 0;
  let j = 0;
  let ic = 0;
  if (beta === 1) return;
  // Walk the smaller stride innermost for locality.
  const rowInner = Math.abs(s2) <= Math.abs(s1);
  const nO = rowInner ? M : N;
  const nI = rowInner ? N : M;
  const sO = rowInner ? s1 : s2;
  const sI = rowInner ? s2 : s1;
  for (i = 0; i < nO; i++) {
    ic = oc + i * sO;
    if (beta === 0) for (j = 0; j < nI; j++, ic += sI) C[ic] = 0.0;
    else for (j = 0; j < nI; j++, ic += sI) C[ic] *= beta;
  }
}

/**
 * C += alpha·op(A)·op(B) for M < 4 or N < 4 (op strides already resolved). Each C[i,j] accumulates
 * (alpha·A[i,k])·B[k,j] in ascending k, the order of `dgemmNaive`, so results agree bitwise.
 */
export function dgemmThin(
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: Float64Array,
  saI: number,
  saK: number,
  oa: number,
  B: Float64Array,
  sbK: number,
  sbJ: number,
  ob: number,
  C: Float64Array,
  s1: number,
  s2: number,
  oc: number,
): void {
  let i = 0,
    j = 0,
    k = 0;
  let ia = 0,
    ib = 0,
    ic = 0;
  let a = 0.0,
    c = 0.0;
  if (N < NR && K < NR) {
    // Few columns and a short k (outer-product-like): sweep each column of C once per k.
    for (j = 0; j < N; j++) {
      for (k = 0; k < K; k++) {
        a = B[ob + k * sbK + j * sbJ];
        ia = oa + k * saK;
        ic = oc + j * s2;
        for (i = 0; i < M; i++, ia += saI, ic += s1) C[ic] += alpha * A[ia] * a;
      }
    }
    return;
  }
  if (N < NR) {
    // Few columns: one dot product per C entry.
    for (i = 0; i < M; i++) {
      for (j = 0; j < N; j++) {
        ic = oc + i * s1 + j * s2;
        c = C[ic];
        ia = oa + i * saI;
        ib = ob + j * sbJ;
        for (k = 0; k < K; k++, ia += saK, ib += sbK) c += alpha * A[ia] * B[ib];
        C[ic] = c;
      }
    }
    return;
  }
  // Few rows: sweep each row of C once per k (axpy form), streaming along the rows of op(B).
  for (i = 0; i < M; i++) {
    for (k = 0; k < K; k++) {
      a = alpha * A[oa + i * saI + k * saK];
      ib = ob + k * sbK;
      ic = oc + i * s1;
      for (j = 0; j < N; j++, ib += sbJ, ic += s2) C[ic] += a * B[ib];
    }
  }
}

/** C = alpha·a·b (+ beta·C) for a 1×1 product: the dot product in ddot's order; alpha = 0 leaves A and B unread. */
export function gemm1x1(
  K: number,
  alpha: number,
  A: Float64Array,
  saK: number,
  offsetA: number,
  B: Float64Array,
  sbK: number,
  offsetB: number,
  beta: number,
  C: Float64Array,
  offsetC: number,
): void {
  const d = alpha === 0 || K <= 0 ? 0 : ddot(K, A, saK, offsetA, B, sbK, offsetB);
  C[offsetC] = beta === 0 ? alpha * d : beta * C[offsetC] + alpha * d;
}
