// gemm: C = alpha·op(A)·op(B) + beta·C, packed into cache blocks around the 4×4 register tile (thin products in thin.ts).

// @ts-nocheck: this file is AssemblyScript (i32, f64, v128 …), compiled by asc, not by tsc.

import { at, madd2 } from './madd';
import { KC, MC, MR, NC, NR } from './tiles';
import { gemmThin } from './thin';

// ---- gemm ----

/** op(A) rows [0, mb) × depth [0, kb), times alpha, as MR-row panels k-major; the last panel zero-padded. */
function packA(mb: i32, kb: i32, alpha: f64, A: usize, sI: i32, sK: i32, dst: usize): void {
  for (let p = 0; p < mb; p += MR) {
    const rows = mb - p < MR ? mb - p : MR;
    for (let r = 0; r < MR; r++) {
      let d = at(dst, (p * kb) + r);
      if (r >= rows) {
        for (let k = 0; k < kb; k++, d += MR << 3) store<f64>(d, 0.0);
        continue;
      }
      let s = (p + r) * sI;
      if (alpha == 1.0) {
        for (let k = 0; k < kb; k++, d += MR << 3, s += sK) store<f64>(d, load<f64>(at(A, s)));
      } else {
        for (let k = 0; k < kb; k++, d += MR << 3, s += sK) store<f64>(d, alpha * load<f64>(at(A, s)));
      }
    }
  }
}

/** op(B) depth [0, kb) × columns [0, nb) as NR-column panels k-major; the last panel zero-padded. */
function packB(kb: i32, nb: i32, B: usize, sK: i32, sJ: i32, dst: usize): void {
  for (let q = 0; q < nb; q += NR) {
    const cols = nb - q < NR ? nb - q : NR;
    if (cols == NR && sJ == 1) {
      // Row-contiguous B (the common case): two vector copies per k.
      let d = at(dst, q * kb);
      let s = q;
      for (let k = 0; k < kb; k++, d += NR << 3, s += sK) {
        v128.store(d, v128.load(at(B, s)));
        v128.store(d, v128.load(at(B, s + 2)), 16);
      }
      continue;
    }
    for (let c = 0; c < NR; c++) {
      let d = at(dst, q * kb + c);
      if (c >= cols) {
        for (let k = 0; k < kb; k++, d += NR << 3) store<f64>(d, 0.0);
        continue;
      }
      let s = (q + c) * sJ;
      for (let k = 0; k < kb; k++, d += NR << 3, s += sK) store<f64>(d, load<f64>(at(B, s)));
    }
  }
}

/**
 * C[0..4, 0..4] += Apanel·Bpanel over kb steps. Each lane of the eight accumulators is one C entry,
 * resumed from C so the k-chain runs unbroken across K blocks; C rows are contiguous (s2 = 1).
 */
function kernel4x4(kb: i32, pa: usize, pb: usize, C: usize, s1: i32): void {
  const r1 = at(C, s1), r2 = at(C, 2 * s1), r3 = at(C, 3 * s1);
  let c00 = v128.load(C), c01 = v128.load(C, 16);
  let c10 = v128.load(r1), c11 = v128.load(r1, 16);
  let c20 = v128.load(r2), c21 = v128.load(r2, 16);
  let c30 = v128.load(r3), c31 = v128.load(r3, 16);
  const end = pa + (<usize>(kb * MR) << 3);
  while (pa < end) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let a = v128.load64_splat(pa);
    c00 = madd2(a, b0, c00); c01 = madd2(a, b1, c01);
    a = v128.load64_splat(pa, 8);
    c10 = madd2(a, b0, c10); c11 = madd2(a, b1, c11);
    a = v128.load64_splat(pa, 16);
    c20 = madd2(a, b0, c20); c21 = madd2(a, b1, c21);
    a = v128.load64_splat(pa, 24);
    c30 = madd2(a, b0, c30); c31 = madd2(a, b1, c31);
    pa += MR << 3;
    pb += NR << 3;
  }
  v128.store(C, c00); v128.store(C, c01, 16);
  v128.store(r1, c10); v128.store(r1, c11, 16);
  v128.store(r2, c20); v128.store(r2, c21, 16);
  v128.store(r3, c30); v128.store(r3, c31, 16);
}

/** A partial or strided tile goes through a contiguous 4×4 edge tile, so it runs the same arithmetic. */
function kernelEdge(mr: i32, nr: i32, kb: i32, pa: usize, pb: usize, C: usize, s1: i32, s2: i32, edge: usize): void {
  memory.fill(edge, 0, MR * NR * 8);
  for (let i = 0; i < mr; i++) for (let j = 0; j < nr; j++) store<f64>(at(edge, i * NR + j), load<f64>(at(C, i * s1 + j * s2)));
  kernel4x4(kb, pa, pb, edge, NR);
  for (let i = 0; i < mr; i++) for (let j = 0; j < nr; j++) store<f64>(at(C, i * s1 + j * s2), load<f64>(at(edge, i * NR + j)));
}

/** C = beta·C; beta = 0 writes zeros (NaN in C ignored), beta = 1 is a no-op. */
function scaleC(M: i32, N: i32, beta: f64, C: usize, s1: i32, s2: i32): void {
  if (beta == 1.0) return;
  const rowInner = abs(s2) <= abs(s1);
  const nO = rowInner ? M : N, nI = rowInner ? N : M;
  const sO = rowInner ? s1 : s2, sI = rowInner ? s2 : s1;
  // One contiguous block (a vector, or rows back to back): one flat pass, not nO short loops.
  if ((sI == 1 && (sO == nI || nO == 1)) || (nI == 1 && sO == 1)) {
    const n = nO * nI;
    if (beta == 0.0) memory.fill(C, 0, <usize>n << 3);
    else {
      const bv = f64x2.splat(beta);
      let i = 0;
      for (; i + 2 <= n; i += 2) v128.store(at(C, i), f64x2.mul(v128.load(at(C, i)), bv));
      for (; i < n; i++) store<f64>(at(C, i), load<f64>(at(C, i)) * beta);
    }
    return;
  }
  for (let i = 0; i < nO; i++) {
    let c = i * sO;
    if (beta == 0.0) for (let j = 0; j < nI; j++, c += sI) store<f64>(at(C, c), 0.0);
    else for (let j = 0; j < nI; j++, c += sI) store<f64>(at(C, c), load<f64>(at(C, c)) * beta);
  }
}

/**
 * C = alpha·op(A)·op(B) + beta·C with op strides already resolved (op(A)[i,k] = A[i·saI + k·saK],
 * op(B)[k,j] = B[k·sbK + j·sbJ], C[i,j] = C[i·s1 + j·s2]); `scratch` holds SCRATCH_BYTES for packing.
 * A thread runs this on its own rows (or columns) of C with its own scratch.
 */
export function dgemm(M: i32, N: i32, K: i32, alpha: f64, A: usize, saI: i32, saK: i32, B: usize, sbK: i32, sbJ: i32, beta: f64, C: usize, s1: i32, s2: i32, scratch: usize): void {
  if (M <= 0 || N <= 0) return;
  scaleC(M, N, beta, C, s1, s2);
  if (alpha == 0.0 || K <= 0) return;
  if (M < MR || N < NR) {
    gemmThin(M, N, K, alpha, A, saI, saK, B, sbK, sbJ, C, s1, s2);
    return;
  }
  const pA = scratch, pB = at(scratch, MC * KC), edge = at(scratch, MC * KC + KC * NC);
  for (let jc = 0; jc < N; jc += NC) {
    const nb = N - jc < NC ? N - jc : NC;
    for (let pc = 0; pc < K; pc += KC) {
      const kb = K - pc < KC ? K - pc : KC;
      packB(kb, nb, at(B, pc * sbK + jc * sbJ), sbK, sbJ, pB);
      for (let ic = 0; ic < M; ic += MC) {
        const mb = M - ic < MC ? M - ic : MC;
        packA(mb, kb, alpha, at(A, ic * saI + pc * saK), saI, saK, pA);
        for (let jr = 0; jr < nb; jr += NR) {
          const nr = nb - jr < NR ? nb - jr : NR;
          for (let ir = 0; ir < mb; ir += MR) {
            const mr = mb - ir < MR ? mb - ir : MR;
            const c = at(C, (ic + ir) * s1 + (jc + jr) * s2);
            const pa = at(pA, ir * kb), pb = at(pB, jr * kb);
            if (mr == MR && nr == NR && s2 == 1) kernel4x4(kb, pa, pb, c, s1);
            else kernelEdge(mr, nr, kb, pa, pb, c, s1, s2, edge);
          }
        }
      }
    }
  }
}
