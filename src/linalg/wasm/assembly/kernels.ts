// AssemblyScript float64 kernels (WebAssembly SIMD f64x2): gemm, gemv, dot, axpy, scal and elementwise ops.
//
// Built twice by scripts/build-wasm.js: once with relaxed SIMD, where every multiply-add is one
// f64x2.relaxed_madd (a fused FMA on x86-64 with FMA3), and once with plain SIMD, where it is a
// multiply then an add. The plain build reduces in exactly the order of the JS kernels in
// src/linalg/{gemm,blas}.ts, so it agrees with them bitwise; the FMA build differs by one rounding
// per product. Within either build every output element is reduced in an order that does not
// depend on how the work is split between threads, so 1 and 2 threads give the same bits.
//
// Pointers are byte addresses into the shared memory; strides and offsets are in elements.

// @ts-nocheck: this file is AssemblyScript (i32, f64, v128 …), compiled by asc, not by tsc.

const MR: i32 = 4;
const NR: i32 = 4;
const MC: i32 = 64;
const KC: i32 = 256;
const NC: i32 = 1024;

/** Bytes of scratch one thread needs: packed A (MC×KC), packed B (KC×NC) and a 4×4 edge tile. */
export const SCRATCH_BYTES: i32 = (MC * KC + KC * NC + MR * NR) * 8;

// ---- multiply-add: the one place the two builds differ ----

// @ts-ignore: decorator
@inline function madd2(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(c, f64x2.mul(a, b));
}

/** Scalar c + a·b with the same rounding as madd2 (lane 0 of the vector form). */
// @ts-ignore: decorator
@inline function madd1(a: f64, b: f64, c: f64): f64 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.extract_lane(f64x2.relaxed_madd(f64x2.splat(a), f64x2.splat(b), f64x2.splat(c)), 0);
  return c + a * b;
}

/** True when this build fuses multiply-adds (reported by the JS side so results are labelled). */
export function fused(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}

// ---- gemm ----

// @ts-ignore: decorator
@inline function at(base: usize, i: i32): usize {
  return base + (<usize>i << 3);
}

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

/** M < 4 or N < 4: plain loops in the same per-entry k order as the tiled path and the JS dgemmThin. */
function gemmThin(M: i32, N: i32, K: i32, alpha: f64, A: usize, saI: i32, saK: i32, B: usize, sbK: i32, sbJ: i32, C: usize, s1: i32, s2: i32): void {
  if (N < NR && K < NR) {
    for (let j = 0; j < N; j++) {
      for (let k = 0; k < K; k++) {
        const b = load<f64>(at(B, k * sbK + j * sbJ));
        let ia = k * saK, ic = j * s2, i = 0;
        if (saI == 1 && s1 == 1) {
          // A contiguous column of C and of op(A) (a rank-one product's long side): two rows a step, the same roundings.
          const bv = f64x2.splat(b), av = f64x2.splat(alpha);
          for (; i + 2 <= M; i += 2, ia += 2, ic += 2) v128.store(at(C, ic), madd2(f64x2.mul(av, v128.load(at(A, ia))), bv, v128.load(at(C, ic))));
        }
        for (; i < M; i++, ia += saI, ic += s1) store<f64>(at(C, ic), madd1(alpha * load<f64>(at(A, ia)), b, load<f64>(at(C, ic))));
      }
    }
    return;
  }
  if (N < NR) {
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        const ic = i * s1 + j * s2;
        let c = load<f64>(at(C, ic));
        let ia = i * saI, ib = j * sbJ;
        for (let k = 0; k < K; k++, ia += saK, ib += sbK) c = madd1(alpha * load<f64>(at(A, ia)), load<f64>(at(B, ib)), c);
        store<f64>(at(C, ic), c);
      }
    }
    return;
  }
  // Few rows: one axpy of a row of op(B) into a row of C per k; vectorized when both rows are contiguous.
  for (let i = 0; i < M; i++) {
    for (let k = 0; k < K; k++) {
      const a = alpha * load<f64>(at(A, i * saI + k * saK));
      let ib = k * sbK, ic = i * s1, j = 0;
      if (sbJ == 1 && s2 == 1) {
        const av = f64x2.splat(a);
        for (; j + 2 <= N; j += 2, ib += 2, ic += 2) v128.store(at(C, ic), madd2(av, v128.load(at(B, ib)), v128.load(at(C, ic))));
      }
      for (; j < N; j++, ib += sbJ, ic += s2) store<f64>(at(C, ic), madd1(a, load<f64>(at(B, ib)), load<f64>(at(C, ic))));
    }
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

// ---- level 1 ----

/**
 * Σ x[i]·y[i] with the JS ddot's order: element i into partial sum i mod 4 (two f64x2 accumulators
 * on unit strides), partials combined as (s0 + s1) + (s2 + s3), then the N mod 4 tail in order.
 */
export function ddot(N: i32, x: usize, sx: i32, y: usize, sy: i32): f64 {
  if (N <= 0) return 0.0;
  const m = N - (N % 4);
  let i = 0, ix = 0, iy = 0, dot = 0.0;
  if (sx == 1 && sy == 1) {
    let a = f64x2.splat(0.0), b = f64x2.splat(0.0);
    for (; i < m; i += 4) {
      a = madd2(v128.load(at(x, i)), v128.load(at(y, i)), a);
      b = madd2(v128.load(at(x, i + 2)), v128.load(at(y, i + 2)), b);
    }
    dot = (f64x2.extract_lane(a, 0) + f64x2.extract_lane(a, 1)) + (f64x2.extract_lane(b, 0) + f64x2.extract_lane(b, 1));
    ix = m; iy = m;
  } else {
    let s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    for (; i < m; i += 4) {
      s0 = madd1(load<f64>(at(x, ix)), load<f64>(at(y, iy)), s0); ix += sx; iy += sy;
      s1 = madd1(load<f64>(at(x, ix)), load<f64>(at(y, iy)), s1); ix += sx; iy += sy;
      s2 = madd1(load<f64>(at(x, ix)), load<f64>(at(y, iy)), s2); ix += sx; iy += sy;
      s3 = madd1(load<f64>(at(x, ix)), load<f64>(at(y, iy)), s3); ix += sx; iy += sy;
    }
    dot = (s0 + s1) + (s2 + s3);
  }
  for (; i < N; i++, ix += sx, iy += sy) dot = madd1(load<f64>(at(x, ix)), load<f64>(at(y, iy)), dot);
  return dot;
}

/** y += alpha·x (no-op for alpha = 0, as in BLAS). */
export function daxpy(N: i32, alpha: f64, x: usize, sx: i32, y: usize, sy: i32): void {
  if (N <= 0 || alpha == 0.0) return;
  let i = 0, ix = 0, iy = 0;
  if (sx == 1 && sy == 1) {
    const a = f64x2.splat(alpha);
    for (; i + 4 <= N; i += 4) {
      v128.store(at(y, i), madd2(a, v128.load(at(x, i)), v128.load(at(y, i))));
      v128.store(at(y, i + 2), madd2(a, v128.load(at(x, i + 2)), v128.load(at(y, i + 2))));
    }
    ix = i; iy = i;
  }
  for (; i < N; i++, ix += sx, iy += sy) store<f64>(at(y, iy), madd1(alpha, load<f64>(at(x, ix)), load<f64>(at(y, iy))));
}

/** x *= alpha (plain IEEE multiply). */
export function dscal(N: i32, alpha: f64, x: usize, sx: i32): void {
  if (N <= 0 || alpha == 1.0) return;
  let i = 0, ix = 0;
  if (sx == 1) {
    const a = f64x2.splat(alpha);
    for (; i + 2 <= N; i += 2) v128.store(at(x, i), f64x2.mul(v128.load(at(x, i)), a));
    ix = i;
  }
  for (; i < N; i++, ix += sx) store<f64>(at(x, ix), load<f64>(at(x, ix)) * alpha);
}

// ---- level 2 ----

/**
 * y = alpha·op(A)·x + beta·y for outputs [0, nOut), with A addressed by (sOut, sRed). Dot form (the
 * reduction along A's fast axis): four outputs at a time, each its own sequential sum, as in JS dgemv;
 * axpy form otherwise, into the partial sums `t` (nOut doubles), with the same per-output order.
 */
export function dgemv(nOut: i32, nRed: i32, alpha: f64, A: usize, sOut: i32, sRed: i32, x: usize, sx: i32, beta: f64, y: usize, sy: i32, t: usize): void {
  if (nOut <= 0) return;
  if (nRed <= 0 || alpha == 0.0) {
    if (beta == 1.0) return;
    for (let o = 0, iy = 0; o < nOut; o++, iy += sy) store<f64>(at(y, iy), beta == 0.0 ? 0.0 : beta * load<f64>(at(y, iy)));
    return;
  }
  if (abs(sRed) <= abs(sOut)) {
    let o = 0;
    const m4 = nOut - (nOut % 4);
    if (sRed == 1) {
      // Lanes are outputs: (A[o,r], A[o+1,r]) come from two rows' contiguous pairs by a shuffle.
      for (; o < m4; o += 4) {
        const a0 = at(A, o * sOut), a1 = at(A, (o + 1) * sOut), a2 = at(A, (o + 2) * sOut), a3 = at(A, (o + 3) * sOut);
        let s01 = f64x2.splat(0.0), s23 = f64x2.splat(0.0);
        let r = 0, ix = 0;
        if (sx == 1) {
          for (; r + 2 <= nRed; r += 2) {
            const p0 = v128.load(at(a0, r)), p1 = v128.load(at(a1, r)), p2 = v128.load(at(a2, r)), p3 = v128.load(at(a3, r));
            const x0 = v128.load64_splat(at(x, r)), x1 = v128.load64_splat(at(x, r + 1));
            s01 = madd2(v128.shuffle<f64>(p0, p1, 0, 2), x0, s01);
            s23 = madd2(v128.shuffle<f64>(p2, p3, 0, 2), x0, s23);
            s01 = madd2(v128.shuffle<f64>(p0, p1, 1, 3), x1, s01);
            s23 = madd2(v128.shuffle<f64>(p2, p3, 1, 3), x1, s23);
          }
          ix = r;
        }
        for (; r < nRed; r++, ix += sx) {
          const xr = v128.load64_splat(at(x, ix));
          s01 = madd2(f64x2.replace_lane(v128.load64_splat(at(a0, r)), 1, load<f64>(at(a1, r))), xr, s01);
          s23 = madd2(f64x2.replace_lane(v128.load64_splat(at(a2, r)), 1, load<f64>(at(a3, r))), xr, s23);
        }
        storeOut(y, o * sy, sy, beta, alpha, f64x2.extract_lane(s01, 0));
        storeOut(y, (o + 1) * sy, sy, beta, alpha, f64x2.extract_lane(s01, 1));
        storeOut(y, (o + 2) * sy, sy, beta, alpha, f64x2.extract_lane(s23, 0));
        storeOut(y, (o + 3) * sy, sy, beta, alpha, f64x2.extract_lane(s23, 1));
      }
    }
    for (; o < nOut; o++) {
      let s = 0.0;
      for (let r = 0, ia = o * sOut, ix = 0; r < nRed; r++, ia += sRed, ix += sx) s = madd1(load<f64>(at(A, ia)), load<f64>(at(x, ix)), s);
      storeOut(y, o * sy, sy, beta, alpha, s);
    }
    return;
  }
  // Axpy form: t[o] = (((t + A·x0) + A·x1) + A·x2) + A·x3, the JS dgemv's left-to-right order.
  memory.fill(t, 0, <usize>nOut << 3);
  for (let r = 0; r < nRed; r++) {
    const xr = load<f64>(at(x, r * sx));
    const xv = f64x2.splat(xr);
    let o = 0, ia = r * sRed;
    if (sOut == 1) for (; o + 2 <= nOut; o += 2, ia += 2) v128.store(at(t, o), madd2(v128.load(at(A, ia)), xv, v128.load(at(t, o))));
    for (; o < nOut; o++, ia += sOut) store<f64>(at(t, o), madd1(load<f64>(at(A, ia)), xr, load<f64>(at(t, o))));
  }
  for (let o = 0; o < nOut; o++) storeOut(y, o * sy, sy, beta, alpha, load<f64>(at(t, o)));
}

// @ts-ignore: decorator
@inline function storeOut(y: usize, iy: i32, sy: i32, beta: f64, alpha: f64, s: f64): void {
  store<f64>(at(y, iy), beta == 0.0 ? alpha * s : beta * load<f64>(at(y, iy)) + alpha * s);
}

// ---- elementwise (contiguous) ----

/** out = x + beta·y (beta = ±1 for add/sub; out may alias x or y). */
export function vaxpby(N: i32, x: usize, beta: f64, y: usize, out: usize): void {
  let i = 0;
  const b = f64x2.splat(beta);
  if (beta == 1.0) for (; i + 2 <= N; i += 2) v128.store(at(out, i), f64x2.add(v128.load(at(x, i)), v128.load(at(y, i))));
  else for (; i + 2 <= N; i += 2) v128.store(at(out, i), f64x2.add(v128.load(at(x, i)), f64x2.mul(b, v128.load(at(y, i)))));
  for (; i < N; i++) store<f64>(at(out, i), beta == 1.0 ? load<f64>(at(x, i)) + load<f64>(at(y, i)) : load<f64>(at(x, i)) + beta * load<f64>(at(y, i)));
}

/** out = x ⊙ y. */
export function vmul(N: i32, x: usize, y: usize, out: usize): void {
  let i = 0;
  for (; i + 2 <= N; i += 2) v128.store(at(out, i), f64x2.mul(v128.load(at(x, i)), v128.load(at(y, i))));
  for (; i < N; i++) store<f64>(at(out, i), load<f64>(at(x, i)) * load<f64>(at(y, i)));
}

/** out = alpha·x. */
export function vscale(N: i32, alpha: f64, x: usize, out: usize): void {
  let i = 0;
  const a = f64x2.splat(alpha);
  for (; i + 2 <= N; i += 2) v128.store(at(out, i), f64x2.mul(a, v128.load(at(x, i))));
  for (; i < N; i++) store<f64>(at(out, i), alpha * load<f64>(at(x, i)));
}

/** out = max(x, 0) as x where x > 0, else +0 (NaN → 0, as the JS relu: only x > 0 passes). */
export function vrelu(N: i32, x: usize, out: usize): void {
  let i = 0;
  const z = f64x2.splat(0.0);
  for (; i + 2 <= N; i += 2) {
    const v = v128.load(at(x, i));
    v128.store(at(out, i), v128.and(v, f64x2.gt(v, z)));
  }
  for (; i < N; i++) { const v = load<f64>(at(x, i)); store<f64>(at(out, i), v > 0.0 ? v : 0.0); }
}
