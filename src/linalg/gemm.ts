// Cache-blocked, register-tiled float64 matrix multiply (GotoBLAS-style packing, 4×4 micro-kernel).

// Reduction order contract (bitwise reproducible, independent of MC/KC/NC and of edge handling):
// every C[i,j] is computed as   c = beta·C[i,j] (or 0 when beta = 0);  for k = 0..K-1: c += (alpha·a_ik)·b_kj
// in increasing k with one accumulator. K-blocking keeps that chain exact because a K-block resumes from the
// value the previous block stored back into C (a plain store/load of a double), so dgemmNaive gives the same bits.
// The one exception is a 1×1 product (M = N = 1), a dot product: c = alpha·ddot(a, b) (+ beta·C[0,0]) in ddot's
// four-lane order, as on the native and wasm backends; one k-chain would be latency-bound (4 cycles a term).
import { MR, NR, dgemmThin, gemm1x1, scaleC } from './gemmThin';

/** Rows of op(A) per packed block: MC×KC doubles (128 KiB) stay in L2 while B micro-panels stream through. */
const MC = 64;
/** Depth of a packed block: a KC×NR micro-panel of B (8 KiB) stays in L1 across a whole MC block. */
const KC = 256;
/** Columns of op(B) per packed panel: KC×NC doubles (2 MiB) sit in L3. */
const NC = 1024;

/** Packed buffers, allocated once: packing reorders, it never transposes the operand in memory. */
const packA = new Float64Array(MC * KC);
const packB = new Float64Array(KC * NC);
/** Scratch 4×4 tile for edge blocks, so edge tiles run the same kernel (same arithmetic) as full ones. */
const edgeTile = new Float64Array(MR * NR);

/**
 * Packs rows [i0, i0+mb) × depth [k0, k0+kb) of op(A), times alpha, as MR-row micro-panels laid out
 * k-major (`packA[(p·kb + k)·MR + r]`), zero-padding the last panel. Padded rows only feed discarded accumulators.
 */
function packPanelA(mb: number, kb: number, alpha: number, A: Float64Array, sI: number, sK: number, oA: number): void {
  let p = 0;
  let r = 0;
  let k = 0;
  let rows = 0;
  let dst = 0;
  let src = 0;
  for (p = 0; p < mb; p += MR) {
    rows = mb - p < MR ? mb - p : MR;
    for (r = 0; r < MR; r++) {
      dst = p * kb + r;
      if (r >= rows) {
        for (k = 0; k < kb; k++, dst += MR) packA[dst] = 0.0;
        continue;
      }
      src = oA + (p + r) * sI;
      if (alpha === 1) {
        for (k = 0; k < kb; k++, dst += MR, src += sK) packA[dst] = A[src];
      } else {
        for (k = 0; k < kb; k++, dst += MR, src += sK) packA[dst] = alpha * A[src];
      }
    }
  }
}

/** Packs depth [k0, k0+kb) × columns [j0, j0+nb) of op(B) as NR-column micro-panels (`packB[(q·kb + k)·NR + c]`). */
function packPanelB(kb: number, nb: number, B: Float64Array, sK: number, sJ: number, oB: number): void {
  let q = 0;
  let c = 0;
  let k = 0;
  let cols = 0;
  let dst = 0;
  let src = 0;
  for (q = 0; q < nb; q += NR) {
    cols = nb - q < NR ? nb - q : NR;
    for (c = 0; c < NR; c++) {
      dst = q * kb + c;
      if (c >= cols) {
        for (k = 0; k < kb; k++, dst += NR) packB[dst] = 0.0;
        continue;
      }
      src = oB + (q + c) * sJ;
      for (k = 0; k < kb; k++, dst += NR, src += sK) packB[dst] = B[src];
    }
  }
}

/**
 * The 4×4 micro-kernel: C[0..4, 0..4] += Apanel·Bpanel over kb steps, 16 accumulators in locals,
 * each resuming from C so the k-chain is unbroken across K blocks.
 */
function kernel4x4(kb: number, pa: number, pb: number, C: Float64Array, s1: number, s2: number, oc: number): void {
  const ap = packA;
  const bp = packB;
  const r1 = oc + s1;
  const r2 = r1 + s1;
  const r3 = r2 + s1;
  let c00 = C[oc],
    c01 = C[oc + s2],
    c02 = C[oc + 2 * s2],
    c03 = C[oc + 3 * s2];
  let c10 = C[r1],
    c11 = C[r1 + s2],
    c12 = C[r1 + 2 * s2],
    c13 = C[r1 + 3 * s2];
  let c20 = C[r2],
    c21 = C[r2 + s2],
    c22 = C[r2 + 2 * s2],
    c23 = C[r2 + 3 * s2];
  let c30 = C[r3],
    c31 = C[r3 + s2],
    c32 = C[r3 + 2 * s2],
    c33 = C[r3 + 3 * s2];
  // Int32 locals (`| 0`) instead of the mutated parameters: V8 then keeps them untagged in registers.
  let ia = pa | 0;
  let ib = pb | 0;
  let a = 0.0;
  let b0 = 0.0,
    b1 = 0.0,
    b2 = 0.0,
    b3 = 0.0;
  const end = (pa + kb * MR) | 0;
  while (ia < end) {
    b0 = bp[ib];
    b1 = bp[ib + 1];
    b2 = bp[ib + 2];
    b3 = bp[ib + 3];
    // One A value live at a time keeps 16 accumulators + 4 B values close to the 16 XMM registers.
    a = ap[ia];
    c00 += a * b0;
    c01 += a * b1;
    c02 += a * b2;
    c03 += a * b3;
    a = ap[ia + 1];
    c10 += a * b0;
    c11 += a * b1;
    c12 += a * b2;
    c13 += a * b3;
    a = ap[ia + 2];
    c20 += a * b0;
    c21 += a * b1;
    c22 += a * b2;
    c23 += a * b3;
    a = ap[ia + 3];
    c30 += a * b0;
    c31 += a * b1;
    c32 += a * b2;
    c33 += a * b3;
    ia = (ia + MR) | 0;
    ib = (ib + NR) | 0;
  }
  C[oc] = c00;
  C[oc + s2] = c01;
  C[oc + 2 * s2] = c02;
  C[oc + 3 * s2] = c03;
  C[r1] = c10;
  C[r1 + s2] = c11;
  C[r1 + 2 * s2] = c12;
  C[r1 + 3 * s2] = c13;
  C[r2] = c20;
  C[r2 + s2] = c21;
  C[r2 + 2 * s2] = c22;
  C[r2 + 3 * s2] = c23;
  C[r3] = c30;
  C[r3 + s2] = c31;
  C[r3 + 2 * s2] = c32;
  C[r3 + 3 * s2] = c33;
}

/** Runs the kernel on a partial (mr×nr < 4×4) tile through `edgeTile`; the padding is zero and discarded. */
function kernelEdge(mr: number, nr: number, kb: number, pa: number, pb: number, C: Float64Array, s1: number, s2: number, oc: number): void {
  let i = 0;
  let j = 0;
  edgeTile.fill(0.0);
  for (i = 0; i < mr; i++) for (j = 0; j < nr; j++) edgeTile[i * NR + j] = C[oc + i * s1 + j * s2];
  kernel4x4(kb, pa, pb, edgeTile, NR, 1, 0);
  for (i = 0; i < mr; i++) for (j = 0; j < nr; j++) C[oc + i * s1 + j * s2] = edgeTile[i * NR + j];
}

/**
 * General matrix multiply `C = alpha·op(A)·op(B) + beta·C` (stdlib `dgemm.ndarray` convention, boolean
 * transposes). C is M×N, op(A) M×K, op(B) K×N; `A[offsetA + i·strideA1 + j·strideA2]` addresses A as stored
 * (K×M when transA). Transposes swap strides; beta = 0 overwrites C; alpha = 0 or K = 0 leaves A, B unread.
 *
 * @example
 * const A = new Float64Array([1, 2, 3, 4]); // 2×2 row-major
 * const B = new Float64Array([5, 6, 7, 8]);
 * const C = new Float64Array(4);
 * dgemm(false, false, 2, 2, 2, 1, A, 2, 1, 0, B, 2, 1, 0, 0, C, 2, 1, 0); // C = [19, 22, 43, 50]
 */
export function dgemm(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: Float64Array,
  strideA1: number,
  strideA2: number,
  offsetA: number,
  B: Float64Array,
  strideB1: number,
  strideB2: number,
  offsetB: number,
  beta: number,
  C: Float64Array,
  strideC1: number,
  strideC2: number,
  offsetC: number,
): void {
  // op(A)[i,k] = A[offsetA + i·saI + k·saK], op(B)[k,j] = B[offsetB + k·sbK + j·sbJ].
  const saI = transA ? strideA2 : strideA1;
  const saK = transA ? strideA1 : strideA2;
  const sbK = transB ? strideB2 : strideB1;
  const sbJ = transB ? strideB1 : strideB2;
  let jc = 0,
    pc = 0,
    ic = 0,
    jr = 0,
    ir = 0;
  let nb = 0,
    kb = 0,
    mb = 0,
    mr = 0,
    nr = 0;
  let oc = 0;
  if (M <= 0 || N <= 0) return;
  if (M === 1 && N === 1) return gemm1x1(K, alpha, A, saK, offsetA, B, sbK, offsetB, beta, C, offsetC);
  scaleC(M, N, beta, C, strideC1, strideC2, offsetC);
  if (alpha === 0 || K <= 0) return;
  // Thin products (a row or column vector side) would run mostly padded 4×4 tiles; a plain loop
  // in the same k order is both faster there and bitwise the same.
  if (M < MR || N < NR) return dgemmThin(M, N, K, alpha, A, saI, saK, offsetA, B, sbK, sbJ, offsetB, C, strideC1, strideC2, offsetC);
  for (jc = 0; jc < N; jc += NC) {
    nb = N - jc < NC ? N - jc : NC;
    for (pc = 0; pc < K; pc += KC) {
      kb = K - pc < KC ? K - pc : KC;
      packPanelB(kb, nb, B, sbK, sbJ, offsetB + pc * sbK + jc * sbJ);
      for (ic = 0; ic < M; ic += MC) {
        mb = M - ic < MC ? M - ic : MC;
        packPanelA(mb, kb, alpha, A, saI, saK, offsetA + ic * saI + pc * saK);
        for (jr = 0; jr < nb; jr += NR) {
          nr = nb - jr < NR ? nb - jr : NR;
          for (ir = 0; ir < mb; ir += MR) {
            mr = mb - ir < MR ? mb - ir : MR;
            oc = offsetC + (ic + ir) * strideC1 + (jc + jr) * strideC2;
            if (mr === MR && nr === NR) kernel4x4(kb, ir * kb, jr * kb, C, strideC1, strideC2, oc);
            else kernelEdge(mr, nr, kb, ir * kb, jr * kb, C, strideC1, strideC2, oc);
          }
        }
      }
    }
  }
}

/**
 * Reference triple loop with the same signature and the same per-element reduction order as `dgemm`
 * (so the two agree bitwise); cache-oblivious and slow, for tests and the benchmark's naive column.
 *
 * @example
 * const A = new Float64Array([1, 2, 3, 4]);
 * const B = new Float64Array([5, 6, 7, 8]);
 * const C = new Float64Array(4);
 * dgemmNaive(false, false, 2, 2, 2, 1, A, 2, 1, 0, B, 2, 1, 0, 0, C, 2, 1, 0); // C = [19, 22, 43, 50]
 */
export function dgemmNaive(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  alpha: number,
  A: Float64Array,
  strideA1: number,
  strideA2: number,
  offsetA: number,
  B: Float64Array,
  strideB1: number,
  strideB2: number,
  offsetB: number,
  beta: number,
  C: Float64Array,
  strideC1: number,
  strideC2: number,
  offsetC: number,
): void {
  const saI = transA ? strideA2 : strideA1;
  const saK = transA ? strideA1 : strideA2;
  const sbK = transB ? strideB2 : strideB1;
  const sbJ = transB ? strideB1 : strideB2;
  let i = 0,
    j = 0,
    k = 0;
  let ia = 0,
    ib = 0,
    ic = 0;
  let c = 0.0;
  if (M === 1 && N === 1) return gemm1x1(K, alpha, A, saK, offsetA, B, sbK, offsetB, beta, C, offsetC);
  for (i = 0; i < M; i++) {
    for (j = 0; j < N; j++) {
      ic = offsetC + i * strideC1 + j * strideC2;
      c = beta === 0 ? 0.0 : beta * C[ic];
      if (alpha !== 0) {
        ia = offsetA + i * saI;
        ib = offsetB + j * sbJ;
        for (k = 0; k < K; k++, ia += saK, ib += sbK) c += alpha * A[ia] * B[ib];
      }
      C[ic] = c;
    }
  }
}

/**
 * Contiguous row-major `C = alpha·op(A)·op(B) + beta·C`: A is M×K (K×M when transA), B is K×N (N×K when
 * transB), C is M×N, all packed row-major.
 *
 * @example
 * const C = matmul(false, false, 2, 2, 2, new Float64Array([1, 2, 3, 4]), new Float64Array([5, 6, 7, 8]), new Float64Array(4));
 * // C = [19, 22, 43, 50]
 */
export function matmul(
  transA: boolean,
  transB: boolean,
  M: number,
  N: number,
  K: number,
  A: Float64Array,
  B: Float64Array,
  C: Float64Array,
  alpha = 1,
  beta = 0,
): Float64Array {
  if (A.length < M * K) throw new Error(`matmul: A has ${A.length} elements, needs ${M * K}`);
  if (B.length < K * N) throw new Error(`matmul: B has ${B.length} elements, needs ${K * N}`);
  if (C.length < M * N) throw new Error(`matmul: C has ${C.length} elements, needs ${M * N}`);
  dgemm(transA, transB, M, N, K, alpha, A, transA ? M : K, 1, 0, B, transB ? K : N, 1, 0, beta, C, N, 1, 0);
  return C;
}
