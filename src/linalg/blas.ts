// Level-1 and level-2 BLAS in plain JS (stdlib-style strided float64 kernels, deterministic reduction order).

/** Number of independent partial sums in `ddot`: breaks the add-latency chain without changing with the strides. */
const LANES = 4;

/**
 * Dot product `sum_i x[i]·y[i]` of two strided vectors.
 *
 * Reduction order (same bits for any strides/offsets): element i goes to partial sum `i mod 4`
 * for the first `N - N mod 4` elements, the partials combine as `(s0 + s1) + (s2 + s3)`,
 * then the remaining `N mod 4` products are added in index order.
 *
 * @example
 * const x = new Float64Array([1, 2, 3]);
 * const y = new Float64Array([4, 5, 6]);
 * ddot(3, x, 1, 0, y, 1, 0); // 32
 */
export function ddot(
  N: number,
  x: Float64Array,
  strideX: number,
  offsetX: number,
  y: Float64Array,
  strideY: number,
  offsetY: number,
): number {
  let s0 = 0.0;
  let s1 = 0.0;
  let s2 = 0.0;
  let s3 = 0.0;
  let dot = 0.0;
  let ix = offsetX;
  let iy = offsetY;
  let i = 0;
  let m = 0;
  if (N <= 0) return 0.0;
  m = N - (N % LANES);
  if (strideX === 1 && strideY === 1) {
    // Unit-stride fast path: one shared index delta, same arithmetic as the strided loop below.
    const d = iy - ix;
    for (; i < m; i += 4, ix += 4) {
      s0 += x[ix] * y[ix + d];
      s1 += x[ix + 1] * y[ix + 1 + d];
      s2 += x[ix + 2] * y[ix + 2 + d];
      s3 += x[ix + 3] * y[ix + 3 + d];
    }
    iy = ix + d;
  } else {
    for (; i < m; i += 4) {
      s0 += x[ix] * y[iy];
      ix += strideX;
      iy += strideY;
      s1 += x[ix] * y[iy];
      ix += strideX;
      iy += strideY;
      s2 += x[ix] * y[iy];
      ix += strideX;
      iy += strideY;
      s3 += x[ix] * y[iy];
      ix += strideX;
      iy += strideY;
    }
  }
  dot = s0 + s1 + (s2 + s3);
  for (; i < N; i++) {
    dot += x[ix] * y[iy];
    ix += strideX;
    iy += strideY;
  }
  return dot;
}

/**
 * `y += alpha·x` on strided vectors (no-op when `alpha` is 0, as in BLAS).
 *
 * @example
 * const x = new Float64Array([1, 2]);
 * const y = new Float64Array([10, 20]);
 * daxpy(2, 3, x, 1, 0, y, 1, 0); // y = [13, 26]
 */
export function daxpy(
  N: number,
  alpha: number,
  x: Float64Array,
  strideX: number,
  offsetX: number,
  y: Float64Array,
  strideY: number,
  offsetY: number,
): void {
  let ix = offsetX;
  let iy = offsetY;
  let i = 0;
  let m = 0;
  if (N <= 0 || alpha === 0) return;
  if (strideX === 1 && strideY === 1) {
    const d = iy - ix;
    m = N - (N % 4);
    for (; i < m; i += 4, ix += 4) {
      y[ix + d] += alpha * x[ix];
      y[ix + 1 + d] += alpha * x[ix + 1];
      y[ix + 2 + d] += alpha * x[ix + 2];
      y[ix + 3 + d] += alpha * x[ix + 3];
    }
    iy = ix + d;
  }
  for (; i < N; i++) {
    y[iy] += alpha * x[ix];
    ix += strideX;
    iy += strideY;
  }
}

/**
 * `x *= alpha` on a strided vector (plain IEEE multiply: `alpha = 0` keeps NaN/Inf as NaN).
 *
 * @example
 * const x = new Float64Array([1, 2, 3]);
 * dscal(3, 2, x, 1, 0); // x = [2, 4, 6]
 */
export function dscal(N: number, alpha: number, x: Float64Array, strideX: number, offsetX: number): void {
  let ix = offsetX;
  let i = 0;
  let m = 0;
  if (N <= 0 || alpha === 1) return;
  if (strideX === 1) {
    m = N - (N % 4);
    for (; i < m; i += 4, ix += 4) {
      x[ix] *= alpha;
      x[ix + 1] *= alpha;
      x[ix + 2] *= alpha;
      x[ix + 3] *= alpha;
    }
  }
  for (; i < N; i++) {
    x[ix] *= alpha;
    ix += strideX;
  }
}

/**
 * `y[i] = key[i] > 0 ? x[i] : +0` on contiguous vectors: relu's forward (key = x) and both of its sweeps (key = the
 * output, which is positive exactly where the input was). Not BLAS, but a kernel, because in JS it is relu's whole
 * cost. Computed on the bit patterns, each 32-bit half ANDed with an all-ones or all-zeros word: relu's signs are
 * a coin flip per entry and a branch mispredicts half the time (this runs in half the time of the ternary), and the
 * result is the ternary's for every input (NaN and −0 keys give +0; y may be x).
 *
 * @example
 * const y = new Float64Array(3);
 * dkeep(3, new Float64Array([1, -1, NaN]), 0, new Float64Array([5, 6, 7]), 0, y, 0); // y = [5, 0, 0]
 */
export function dkeep(
  N: number,
  key: Float64Array,
  offsetKey: number,
  x: Float64Array,
  offsetX: number,
  y: Float64Array,
  offsetY: number,
): void {
  if (N <= 0) return;
  const xs = new Int32Array(x.buffer, x.byteOffset + 8 * offsetX, 2 * N),
    ys = new Int32Array(y.buffer, y.byteOffset + 8 * offsetY, 2 * N);
  let keep = 0;
  for (let i = 0, j = 0; i < N; i++, j += 2) {
    keep = -(key[offsetKey + i] > 0);
    ys[j] = xs[j] & keep;
    ys[j + 1] = xs[j + 1] & keep;
  }
}

// Blue's scaling constants for binary64 (as in LAPACK 3.10 dnrm2.f90): squares of values in
// [TSML, TBIG] neither overflow nor underflow; outside it values are scaled by SSML / SBIG first.
const TSML = Math.pow(2, -511);
const TBIG = Math.pow(2, 486);
const SSML = Math.pow(2, 537);
const SBIG = Math.pow(2, -538);

/** From this sum of squares up, squares that underflowed (|x| < 2⁻⁵¹¹, each off by ≤ 2⁻¹⁰⁷⁵) move it by < 2⁻⁷⁵ of itself, even for 2³² entries. */
const SUMSQ_MIN = Math.pow(2, -968);

/**
 * Euclidean norm of a strided vector without overflow or underflow. Fast path: the square root of
 * `ddot(x, x)` (its four-lane order), kept when that sum is finite and at least 2⁻⁹⁶⁸ (then no square overflowed
 * and underflow cost < 2⁻⁷⁵ relative). Otherwise (huge, tiny, NaN or Inf
 * entries) Blue's three-accumulator algorithm, the one in current reference BLAS, in index order.
 *
 * @example
 * const x = new Float64Array([3e300, 4e300]);
 * dnrm2(2, x, 1, 0); // 5e300
 */
export function dnrm2(N: number, x: Float64Array, strideX: number, offsetX: number): number {
  if (N <= 0) return 0.0;
  const sumsq = ddot(N, x, strideX, offsetX, x, strideX, offsetX);
  if (sumsq >= SUMSQ_MIN && sumsq < Infinity) return Math.sqrt(sumsq);
  return blueNorm(N, x, strideX, offsetX);
}

/** Blue's algorithm (LAPACK 3.10 dnrm2.f90), one pass in index order; NaN and Inf propagate. */
function blueNorm(N: number, x: Float64Array, strideX: number, offsetX: number): number {
  let asml = 0.0;
  let amed = 0.0;
  let abig = 0.0;
  let notbig = true;
  let ax = 0.0;
  let ymin = 0.0;
  let ymax = 0.0;
  let scl = 1.0;
  let sumsq = 0.0;
  let ix = offsetX;
  let i = 0;
  for (; i < N; i++) {
    ax = Math.abs(x[ix]);
    ix += strideX;
    if (ax > TBIG) {
      abig += ax * SBIG * (ax * SBIG);
      notbig = false;
    } else if (ax < TSML) {
      // Tiny values cannot matter once a huge one has been seen.
      if (notbig) asml += ax * SSML * (ax * SSML);
    } else {
      amed += ax * ax; // NaN lands here and propagates
    }
  }
  if (abig > 0.0) {
    if (amed > 0.0 || amed !== amed) abig += amed * SBIG * SBIG;
    scl = 1.0 / SBIG;
    sumsq = abig;
  } else if (asml > 0.0) {
    if (amed > 0.0 || amed !== amed) {
      amed = Math.sqrt(amed);
      asml = Math.sqrt(asml) / SSML;
      if (asml > amed) {
        ymin = amed;
        ymax = asml;
      } else {
        ymin = asml;
        ymax = amed;
      }
      scl = 1.0;
      sumsq = ymax * ymax * (1.0 + (ymin / ymax) * (ymin / ymax));
    } else {
      scl = 1.0 / SSML;
      sumsq = asml;
    }
  } else {
    scl = 1.0;
    sumsq = amed;
  }
  return scl * Math.sqrt(sumsq);
}

/** Per-output partial sums for the axpy-ordered dgemv; grown on demand, never shrunk. */
let gemvScratch = new Float64Array(256);

/**
 * Matrix-vector product `y = alpha·op(A)·x + beta·y`, `A` is M×N at `A[offsetA + i·strideA1 + j·strideA2]`,
 * `op(A) = Aᵀ` when `trans`. `beta = 0` overwrites `y` (NaN in `y` ignored); `alpha = 0` leaves `A` unread.
 *
 * Every output is `beta·y + alpha·s` with `s` the products summed in increasing reduction index from 0,
 * whichever loop order the strides select (dot form when the reduction runs along the fast axis,
 * axpy form otherwise), so a transposed layout gives the same bits.
 *
 * @example
 * const A = new Float64Array([1, 2, 3, 4, 5, 6]); // 2×3 row-major
 * const x = new Float64Array([1, 1, 1]);
 * const y = new Float64Array(2);
 * dgemv(false, 2, 3, 1, A, 3, 1, 0, x, 1, 0, 0, y, 1, 0); // y = [6, 15]
 */
export function dgemv(
  trans: boolean,
  M: number,
  N: number,
  alpha: number,
  A: Float64Array,
  strideA1: number,
  strideA2: number,
  offsetA: number,
  x: Float64Array,
  strideX: number,
  offsetX: number,
  beta: number,
  y: Float64Array,
  strideY: number,
  offsetY: number,
): void {
  const nOut = trans ? N : M;
  const nRed = trans ? M : N;
  const sOut = trans ? strideA2 : strideA1;
  const sRed = trans ? strideA1 : strideA2;
  let o = 0;
  let r = 0;
  let iy = offsetY;
  let ix = 0;
  let ia = 0;
  let xr = 0.0;
  let s0 = 0.0;
  let s1 = 0.0;
  let s2 = 0.0;
  let s3 = 0.0;
  if (nOut <= 0) return;
  if (nRed <= 0 || alpha === 0) {
    if (beta === 1) return;
    for (o = 0; o < nOut; o++, iy += strideY) y[iy] = beta === 0 ? 0.0 : beta * y[iy];
    return;
  }
  if (Math.abs(sRed) <= Math.abs(sOut)) {
    // Dot form: four outputs at a time, each with its own sequential accumulator.
    const m4 = nOut - (nOut % 4);
    for (o = 0; o < m4; o += 4) {
      s0 = 0.0;
      s1 = 0.0;
      s2 = 0.0;
      s3 = 0.0;
      ia = offsetA + o * sOut;
      ix = offsetX;
      for (r = 0; r < nRed; r++) {
        xr = x[ix];
        s0 += A[ia] * xr;
        s1 += A[ia + sOut] * xr;
        s2 += A[ia + 2 * sOut] * xr;
        s3 += A[ia + 3 * sOut] * xr;
        ia += sRed;
        ix += strideX;
      }
      y[iy] = beta === 0 ? alpha * s0 : beta * y[iy] + alpha * s0;
      iy += strideY;
      y[iy] = beta === 0 ? alpha * s1 : beta * y[iy] + alpha * s1;
      iy += strideY;
      y[iy] = beta === 0 ? alpha * s2 : beta * y[iy] + alpha * s2;
      iy += strideY;
      y[iy] = beta === 0 ? alpha * s3 : beta * y[iy] + alpha * s3;
      iy += strideY;
    }
    for (; o < nOut; o++) {
      s0 = 0.0;
      ia = offsetA + o * sOut;
      ix = offsetX;
      for (r = 0; r < nRed; r++) {
        s0 += A[ia] * x[ix];
        ia += sRed;
        ix += strideX;
      }
      y[iy] = beta === 0 ? alpha * s0 : beta * y[iy] + alpha * s0;
      iy += strideY;
    }
    return;
  }
  // Axpy form: sweep the reduction index outermost so A is read along its fast axis.
  if (gemvScratch.length < nOut) gemvScratch = new Float64Array(nOut);
  const t = gemvScratch;
  t.fill(0.0, 0, nOut);
  const r4 = nRed - (nRed % 4);
  let x0 = 0.0;
  let x1 = 0.0;
  let x2 = 0.0;
  let x3 = 0.0;
  ix = offsetX;
  for (r = 0; r < r4; r += 4) {
    x0 = x[ix];
    x1 = x[ix + strideX];
    x2 = x[ix + 2 * strideX];
    x3 = x[ix + 3 * strideX];
    ix += 4 * strideX;
    ia = offsetA + r * sRed;
    for (o = 0; o < nOut; o++) {
      // Left-associative: ((((t + p0) + p1) + p2) + p3), the same order as the dot form.
      t[o] = t[o] + A[ia] * x0 + A[ia + sRed] * x1 + A[ia + 2 * sRed] * x2 + A[ia + 3 * sRed] * x3;
      ia += sOut;
    }
  }
  for (; r < nRed; r++) {
    x0 = x[ix];
    ix += strideX;
    ia = offsetA + r * sRed;
    for (o = 0; o < nOut; o++) {
      t[o] += A[ia] * x0;
      ia += sOut;
    }
  }
  for (o = 0; o < nOut; o++, iy += strideY) y[iy] = beta === 0 ? alpha * t[o] : beta * y[iy] + alpha * t[o];
}
