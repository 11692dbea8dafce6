// Level 1: ddot, daxpy, dscal, dnrm2 and dkeep as loops written here, in the order of src/linalg/blas.ts.
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "catapult_native.h"

// ---------------------------------------------------------------- level 1 (the order of src/linalg/blas.ts)

/** Four partial sums by index mod 4, combined (s0 + s1) + (s2 + s3), then the tail in index order. */
double dot(int64_t n, const double *x, int64_t sx, const double *y, int64_t sy) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, d;
  int64_t i = 0, m = n > 0 ? n - n % 4 : 0;
  if (n <= 0) return 0.0;
  if (sx == 1 && sy == 1) {
    // The same four chains with constant strides, which the compiler turns into vector lanes.
    for (; i < m; i += 4) {
      s0 += x[i] * y[i];
      s1 += x[i + 1] * y[i + 1];
      s2 += x[i + 2] * y[i + 2];
      s3 += x[i + 3] * y[i + 3];
    }
    x += m;
    y += m;
  }
  for (; i < m; i += 4, x += 4 * sx, y += 4 * sy) {
    s0 += x[0] * y[0];
    s1 += x[sx] * y[sy];
    s2 += x[2 * sx] * y[2 * sy];
    s3 += x[3 * sx] * y[3 * sy];
  }
  d = (s0 + s1) + (s2 + s3);
  for (; i < n; i++, x += sx, y += sy) d += x[0] * y[0];
  return d;
}

napi_value ddot(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(&a, env, info, 7)) return NULL;
  int64_t n = integer(&a, 0), sx = integer(&a, 2), sy = integer(&a, 5);
  const double *x = view(&a, 1, n, 1, sx, 0, integer(&a, 3));
  const double *y = view(&a, 4, n, 1, sy, 0, integer(&a, 6));
  return a.ok ? number(env, dot(n, x, sx, y, sy)) : NULL;
}

/** Elementwise loops split across threads above this length (the bits do not depend on the split). */
#define PARALLEL_VECTOR (1 << 18)

/** y += alpha·x (or x *= alpha when y is NULL) over part p of the vector. */
typedef struct {
  int64_t n, sx, sy;
  double alpha;
  double *x, *y;
} Vec;

static void vec_part(void *ctx, int64_t p, int64_t parts) {
  const Vec *v = ctx;
  int64_t i0 = p * v->n / parts, i1 = (p + 1) * v->n / parts;
  double *x = v->x + i0 * v->sx, *y = v->y ? v->y + i0 * v->sy : NULL, alpha = v->alpha;
  if (v->sx == 1 && (y == NULL || v->sy == 1)) {
    // Unit strides, written so the loops vectorize (elementwise: the same bits either way).
    int64_t n = i1 - i0;
    if (y) for (int64_t i = 0; i < n; i++) y[i] += alpha * x[i];
    else for (int64_t i = 0; i < n; i++) x[i] *= alpha;
    return;
  }
  if (y) for (int64_t i = i0; i < i1; i++, x += v->sx, y += v->sy) y[0] += alpha * x[0];
  else for (int64_t i = i0; i < i1; i++, x += v->sx) x[0] *= alpha;
}

/** Parts for an elementwise loop: one unless long and x, y do not overlap (overlap must run in index order). */
static int64_t vec_parts(const Vec *v) {
  if (v->n < PARALLEL_VECTOR) return 1;
  if (v->y) {
    const double *xl = v->sx < 0 ? v->x + (v->n - 1) * v->sx : v->x, *yl = v->sy < 0 ? v->y + (v->n - 1) * v->sy : v->y;
    const double *xh = xl + (v->n - 1) * llabs(v->sx), *yh = yl + (v->n - 1) * llabs(v->sy);
    if (!(xh < yl || yh < xl)) return 1;
  }
  return pool_threads();
}

napi_value daxpy(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(&a, env, info, 8)) return NULL;
  Vec v = { integer(&a, 0), integer(&a, 3), integer(&a, 6), num(&a, 1), NULL, NULL };
  v.x = view(&a, 2, v.n, 1, v.sx, 0, integer(&a, 4));
  v.y = view(&a, 5, v.n, 1, v.sy, 0, integer(&a, 7));
  if (a.ok && v.alpha != 0.0 && v.n > 0) parallel(vec_parts(&v), vec_part, &v);
  return NULL;
}

napi_value dscal(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(&a, env, info, 5)) return NULL;
  Vec v = { integer(&a, 0), integer(&a, 3), 0, num(&a, 1), NULL, NULL };
  v.x = view(&a, 2, v.n, 1, v.sx, 0, integer(&a, 4));
  if (a.ok && v.alpha != 1.0 && v.n > 0) parallel(vec_parts(&v), vec_part, &v);
  return NULL;
}

/** y = x where key > 0, else +0, over part p (blas.ts's dkeep). */
typedef struct {
  int64_t n;
  const double *key, *x;
  double *y;
} Keep;

static void keep_part(void *ctx, int64_t p, int64_t parts) {
  const Keep *k = ctx;
  int64_t i0 = p * k->n / parts, i1 = (p + 1) * k->n / parts;
  uint64_t bits;
  // The bits of x ANDed with all ones or all zeros (as in blas.ts): no branch on relu's coin-flip signs, and it vectorizes.
  for (int64_t i = i0; i < i1; i++) {
    memcpy(&bits, k->x + i, sizeof bits);
    bits &= -(uint64_t)(k->key[i] > 0.0);
    memcpy(k->y + i, &bits, sizeof bits);
  }
}

napi_value dkeep(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(&a, env, info, 7)) return NULL;
  Keep k = { integer(&a, 0), NULL, NULL, NULL };
  k.key = view(&a, 1, k.n, 1, 1, 0, integer(&a, 2));
  k.x = view(&a, 3, k.n, 1, 1, 0, integer(&a, 4));
  k.y = view(&a, 5, k.n, 1, 1, 0, integer(&a, 6));
  // Each entry depends on its own index only: any split gives the same bits.
  if (a.ok && k.n > 0) parallel(k.n < PARALLEL_VECTOR ? 1 : pool_threads(), keep_part, &k);
  return NULL;
}

/** blas.ts's dnrm2: sqrt of dot(x, x) when that sum is finite and ≥ 2⁻⁹⁶⁸, otherwise Blue's three-accumulator norm. */
napi_value dnrm2(napi_env env, napi_callback_info info) {
  const double TSML = 0x1p-511, TBIG = 0x1p486, SSML = 0x1p537, SBIG = 0x1p-538;
  Args a;
  if (!read_args(&a, env, info, 4)) return NULL;
  int64_t n = integer(&a, 0), sx = integer(&a, 2), i;
  const double *x = view(&a, 1, n, 1, sx, 0, integer(&a, 3));
  if (!a.ok) return NULL;
  if (n <= 0) return number(env, 0.0);
  double asml = 0.0, amed = dot(n, x, sx, x, sx), abig = 0.0, ax, scl, sumsq, ymin, ymax;
  int notbig = 1;
  if (amed >= 0x1p-968 && amed < INFINITY) return number(env, sqrt(amed));
  amed = 0.0;
  for (i = 0; i < n; i++) {
    ax = fabs(x[i * sx]);
    if (ax > TBIG) {
      abig += (ax * SBIG) * (ax * SBIG);
      notbig = 0;
    } else if (ax < TSML) {
      if (notbig) asml += (ax * SSML) * (ax * SSML);
    } else {
      amed += ax * ax;
    }
  }
  if (abig > 0.0) {
    if (amed > 0.0 || amed != amed) abig += (amed * SBIG) * SBIG;
    scl = 1.0 / SBIG;
    sumsq = abig;
  } else if (asml > 0.0) {
    if (amed > 0.0 || amed != amed) {
      amed = sqrt(amed);
      asml = sqrt(asml) / SSML;
      ymin = asml > amed ? amed : asml;
      ymax = asml > amed ? asml : amed;
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
  return number(env, scl * sqrt(sumsq));
}
