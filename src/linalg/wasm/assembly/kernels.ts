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
//
// This entry file is the one module asc compiles: the level-1 and level-2 kernels (ddot, daxpy, dscal,
// dgemv) are here, the rest in kernels/ by concern: madd.ts (the multiply-add, fused(), addressing),
// tiles.ts (gemm's blocking), dgemm.ts and thin.ts (gemm), vector.ts (elementwise ops).
//
// The layout is part of the build, which keeps the .wasm bytes of the former one-file source (check with
// `cmp` after renaming or moving a function). asc -O3 (binaryen) orders functions by use count, ties by
// internal name descending, and an internal name is the file's path then the function's: …/kernels/vector/vmul
// for kernels/vector.ts, …/kernels/dscal for this file. So kernels/vector > kernels/thin > kernels/madd (fused)
// > dscal, dgemv > kernels/dgemm > ddot, daxpy is the old order. And asc emits queued `export { … }` lists in
// statement order but after every `export function`: hence the one export list below and no `export` on the
// declarations here.

// @ts-nocheck: this file is AssemblyScript (i32, f64, v128 …), compiled by asc, not by tsc.

import { at, madd1, madd2 } from './kernels/madd';

// The module's exports, in this order (the level-1 and level-2 kernels are declared below).
export { SCRATCH_BYTES } from './kernels/tiles';
export { fused } from './kernels/madd';
export { dgemm } from './kernels/dgemm';
export { ddot, daxpy, dscal, dgemv };
export { vaxpby, vmul, vscale, vrelu } from './kernels/vector';

// ---- level 1 ----

/**
 * Σ x[i]·y[i] with the JS ddot's order: element i into partial sum i mod 4 (two f64x2 accumulators
 * on unit strides), partials combined as (s0 + s1) + (s2 + s3), then the N mod 4 tail in order.
 */
function ddot(N: i32, x: usize, sx: i32, y: usize, sy: i32): f64 {
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
function daxpy(N: i32, alpha: f64, x: usize, sx: i32, y: usize, sy: i32): void {
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
function dscal(N: i32, alpha: f64, x: usize, sx: i32): void {
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
function dgemv(nOut: i32, nRed: i32, alpha: f64, A: usize, sOut: i32, sRed: i32, x: usize, sx: i32, beta: f64, y: usize, sy: i32, t: usize): void {
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
