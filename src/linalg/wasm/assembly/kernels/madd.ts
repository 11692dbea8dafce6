// The multiply-add (the one place the two builds differ), fused() that reports it, and byte addressing: shared by every kernel.

// @ts-nocheck: this file is AssemblyScript (i32, f64, v128 …), compiled by asc, not by tsc.

// ---- multiply-add: the one place the two builds differ ----

// @ts-ignore: decorator
@inline export function madd2(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.relaxed_madd(a, b, c);
  return f64x2.add(c, f64x2.mul(a, b));
}

/** Scalar c + a·b with the same rounding as madd2 (lane 0 of the vector form). */
// @ts-ignore: decorator
@inline export function madd1(a: f64, b: f64, c: f64): f64 {
  if (ASC_FEATURE_RELAXED_SIMD) return f64x2.extract_lane(f64x2.relaxed_madd(f64x2.splat(a), f64x2.splat(b), f64x2.splat(c)), 0);
  return c + a * b;
}

/** True when this build fuses multiply-adds (reported by the JS side so results are labelled). */
export function fused(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 1 : 0;
}

// ---- addressing ----

/** The byte address of element i of the f64 array at base. */
// @ts-ignore: decorator
@inline export function at(base: usize, i: i32): usize {
  return base + (<usize>i << 3);
}
