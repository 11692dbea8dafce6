// Level 2 and 3 on OpenBLAS: dgemv and dgemm, cut into parts (from the shape alone) that the pool runs.
#include <stdint.h>
#include <stdlib.h>
#include <cblas.h>
#include "catapult_native.h"

// ---------------------------------------------------------------- level 2 and 3 on OpenBLAS

/** Products below this many multiply-adds run as one part: waking a thread costs more than it saves. */
#define PART_MIN_WORK (1 << 22)
/**
 * 1, 2 or 4 parts (even shares for 1, 2 and 4 threads), cut at multiples of 32. Every part re-packs the operand it
 * shares with the others, which costs 4-10 % of a part narrower than 512 (measured on 256×1024×1024 and conv-shaped
 * products, 1 thread). So 2 parts need ≥ PART2_MIN_EXTENT rows (or columns) each and 4 parts ≥ PART4_MIN_EXTENT:
 * a 1024-wide MLP layer is cut in 2 (a 2-core machine loses nothing), a width-4096 layer in 4.
 */
#define PART2_MIN_EXTENT 128
#define PART4_MIN_EXTENT 512

/** How many parts a product of `work` multiply-adds cut along `extent` gets: from the shape alone, never from T. */
static int64_t parts_for(int64_t extent, double work) {
  if (work < PART_MIN_WORK) return 1;
  if (extent >= 4 * PART4_MIN_EXTENT) return 4;
  return extent >= 2 * PART2_MIN_EXTENT ? 2 : 1;
}

/** First index of part p of `parts` over [0, extent), aligned to 32 (OpenBLAS's tiles stay whole). */
static int64_t part_start(int64_t p, int64_t parts, int64_t extent) {
  return p >= parts ? extent : (p * extent / parts) / 32 * 32;
}

/** A strided R×C operand as BLAS sees it: row-major with leading dimension ld, or its transpose, or packed. */
typedef struct {
  double *p;
  int trans;
  int64_t ld;
  double *owned;
} Operand;

/**
 * Row-major (s2 = 1, s1 ≥ C) or column-major (s1 = 1, s2 ≥ R) layouts go to BLAS as they are; any other
 * (negative, doubly strided) is packed row-major. A single row or column fits either, whatever its other stride.
 */
static int operand(Operand *o, double *p, int64_t R, int64_t C, int64_t s1, int64_t s2, int copy) {
  o->p = p;
  o->owned = NULL;
  o->trans = 0;
  if ((C == 1 || s2 == 1) && (R == 1 || s1 >= C)) {
    o->ld = R == 1 ? C : s1;
    return 1;
  }
  if ((R == 1 || s1 == 1) && (C == 1 || s2 >= R)) {
    o->trans = 1;
    o->ld = C == 1 ? R : s2;
    return 1;
  }
  o->owned = malloc((size_t)(R * C) * sizeof(double));
  if (o->owned == NULL) return 0;
  if (copy) for (int64_t i = 0; i < R; i++) for (int64_t j = 0; j < C; j++) o->owned[i * C + j] = p[i * s1 + j * s2];
  o->p = o->owned;
  o->ld = C;
  return 1;
}

/** Writes a packed output back to its strided place and frees it. */
static void release(Operand *o, double *p, int64_t R, int64_t C, int64_t s1, int64_t s2, int write_back) {
  if (o->owned == NULL) return;
  if (write_back) for (int64_t i = 0; i < R; i++) for (int64_t j = 0; j < C; j++) p[i * s1 + j * s2] = o->owned[i * C + j];
  free(o->owned);
}

/** y = beta·y over a strided R×C grid, with beta = 0 storing zeros (BLAS semantics: NaN in y is ignored). */
static void scale_out(double *p, int64_t R, int64_t C, int64_t s1, int64_t s2, double beta) {
  if (beta == 1.0) return;
  for (int64_t i = 0; i < R; i++) for (int64_t j = 0; j < C; j++) p[i * s1 + j * s2] = beta == 0.0 ? 0.0 : beta * p[i * s1 + j * s2];
}

static int fits_blas(Args *a, int64_t m, int64_t n, int64_t k) {
  if (m > INT32_MAX || n > INT32_MAX || k > INT32_MAX) return fail(a, "catapult_native: dimension beyond 2^31 - 1 (OpenBLAS is built with 32-bit integers)");
  return 1;
}

/** One row-major product C = alpha·op(A)·op(B) + beta·C, cut into parts by rows (or by columns when C is wide). */
typedef struct {
  int64_t M, N, K;
  double alpha, beta;
  const Operand *a, *b, *c;
  int by_rows;
} Gemm;

static void gemm_part(void *ctx, int64_t p, int64_t parts) {
  const Gemm *g = ctx;
  int64_t s = part_start(p, parts, g->by_rows ? g->M : g->N), e = part_start(p + 1, parts, g->by_rows ? g->M : g->N);
  if (e <= s) return;
  // Rows s..e of C are rows of op(A); columns s..e are columns of op(B) (an op'ed operand's rows are the stored columns).
  const double *A = g->a->p, *B = g->b->p;
  double *C = g->c->p;
  if (g->by_rows) {
    A += g->a->trans ? s : s * g->a->ld;
    C += s * g->c->ld;
  } else {
    B += g->b->trans ? s * g->b->ld : s;
    C += s;
  }
  cblas_dgemm(CblasRowMajor, g->a->trans ? CblasTrans : CblasNoTrans, g->b->trans ? CblasTrans : CblasNoTrans,
    (blasint)(g->by_rows ? e - s : g->M), (blasint)(g->by_rows ? g->N : e - s), (blasint)g->K,
    g->alpha, A, (blasint)g->a->ld, B, (blasint)g->b->ld, g->beta, C, (blasint)g->c->ld);
}

/** The address BLAS wants for a strided vector: its lowest element when the stride is negative. */
static double *blas_vector(double *p, int64_t n, int64_t s) {
  return s < 0 ? p + (n - 1) * s : p;
}

/** One y = alpha·op(A)·x + beta·y, cut into parts by outputs. */
typedef struct {
  int trans;
  int64_t M, N;
  double alpha, beta;
  const Operand *a;
  double *x;
  int64_t ix;
  double *y;
  int64_t iy;
} Gemv;

static void gemv_part(void *ctx, int64_t p, int64_t parts) {
  const Gemv *g = ctx;
  int64_t nOut = g->trans ? g->N : g->M, nRed = g->trans ? g->M : g->N;
  int64_t s = part_start(p, parts, nOut), e = part_start(p + 1, parts, nOut);
  if (e <= s) return;
  // Outputs s..e are rows of A (columns when trans); a column-major A swaps which of the two moves by ld.
  int along_ld = g->trans == g->a->trans;
  const double *A = g->a->p + (along_ld ? s * g->a->ld : s);
  cblas_dgemv(g->a->trans ? CblasColMajor : CblasRowMajor, g->trans ? CblasTrans : CblasNoTrans,
    (blasint)(g->trans ? g->M : e - s), (blasint)(g->trans ? e - s : g->N), g->alpha, A, (blasint)g->a->ld,
    blas_vector(g->x, nRed, g->ix), (blasint)g->ix, g->beta, blas_vector(g->y + s * g->iy, e - s, g->iy), (blasint)g->iy);
}

/** y = alpha·op(A)·x + beta·y on OpenBLAS, for alpha ≠ 0 and a non-empty op(A); 0 (and an exception) on failure. */
static int gemv_run(Args *a, int trans, int64_t M, int64_t N, double alpha, double *A, int64_t sA1, int64_t sA2,
                    double *x, int64_t sx, double beta, double *y, int64_t sy) {
  int64_t nOut = trans ? N : M, nRed = trans ? M : N;
  if (!fits_blas(a, M, N, 0)) return 0;
  Operand oa = { 0 }, ox = { 0 }, oy = { 0 };
  int ok = operand(&oa, A, M, N, sA1, sA2, 1);
  ok = ok && operand(&ox, x, nRed, 1, sx == 0 ? 0 : 1, 0, sx == 0);
  ok = ok && operand(&oy, y, nOut, 1, sy == 0 ? 0 : 1, 0, sy == 0 && beta != 0.0);
  if (ok) {
    Gemv g = { trans, M, N, alpha, beta, &oa, ox.p, ox.owned ? 1 : sx, oy.p, oy.owned ? 1 : sy };
    parallel(parts_for(nOut, (double)M * N), gemv_part, &g);
  } else {
    fail(a, "catapult_native: out of memory packing a strided operand");
  }
  release(&oa, NULL, 0, 0, 0, 0, 0);
  release(&ox, NULL, 0, 0, 0, 0, 0);
  release(&oy, y, nOut, 1, sy, 0, ok);
  return ok;
}

/** y = alpha·op(A)·x + beta·y, the signature of blas.ts's dgemv (a zero vector stride is packed away). */
napi_value dgemv(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(&a, env, info, 15)) return NULL;
  int trans = flag(&a, 0);
  int64_t M = integer(&a, 1), N = integer(&a, 2), sA1 = integer(&a, 5), sA2 = integer(&a, 6), sx = integer(&a, 9), sy = integer(&a, 13);
  double alpha = num(&a, 3), beta = num(&a, 11);
  int64_t nOut = trans ? N : M, nRed = trans ? M : N;
  int useA = alpha != 0.0 && nRed > 0 && nOut > 0;
  double *A = view(&a, 4, useA ? M : 0, N, sA1, sA2, integer(&a, 7));
  double *x = view(&a, 8, useA ? nRed : 0, 1, sx, 0, integer(&a, 10));
  double *y = view(&a, 12, nOut, 1, sy, 0, integer(&a, 14));
  if (!a.ok || nOut <= 0) return NULL;
  if (!useA) scale_out(y, nOut, 1, sy, 0, beta);
  else gemv_run(&a, trans, M, N, alpha, A, sA1, sA2, x, sx, beta, y, sy);
  return NULL;
}

/** C = alpha·a·bᵀ + beta·C for K = 1, over part p of the rows (or of the columns when there is one row). */
typedef struct {
  int64_t M, N, saI, sbJ, s1, s2;
  double alpha, beta;
  const double *A, *B;
  double *C;
} Outer;

static void outer_part(void *ctx, int64_t p, int64_t parts) {
  const Outer *o = ctx;
  // Parts cut the longer side, and the inner loop runs along it (a column vector times a scalar is one loop).
  int rows_long = o->M >= o->N;
  int64_t s = part_start(p, parts, rows_long ? o->M : o->N), e = part_start(p + 1, parts, rows_long ? o->M : o->N);
  int64_t nOut = rows_long ? o->N : o->M;
  int64_t sIn = rows_long ? o->saI : o->sbJ, sOut = rows_long ? o->sbJ : o->saI, cIn = rows_long ? o->s1 : o->s2, cOut = rows_long ? o->s2 : o->s1;
  const double *in = rows_long ? o->A : o->B, *out = rows_long ? o->B : o->A;
  double alpha = o->alpha, beta = o->beta;
  for (int64_t q = 0; q < nOut; q++) {
    const double w = out[q * sOut];
    double *c = o->C + q * cOut;
    // The same expression as OpenBLAS's K = 1 products: alpha·(a·b), plus beta·c unless beta is 0.
    if (beta == 0.0)
      for (int64_t r = s; r < e; r++) c[r * cIn] = alpha * (in[r * sIn] * w);
    else
      for (int64_t r = s; r < e; r++) c[r * cIn] = beta * c[r * cIn] + alpha * (in[r * sIn] * w);
  }
}

/** C = alpha·op(A)·op(B) + beta·C, the signature of src/linalg/gemm.ts. */
napi_value dgemm(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(&a, env, info, 19)) return NULL;
  int tA = flag(&a, 0), tB = flag(&a, 1);
  int64_t M = integer(&a, 2), N = integer(&a, 3), K = integer(&a, 4);
  double alpha = num(&a, 5), beta = num(&a, 14);
  int64_t sA1 = integer(&a, 7), sA2 = integer(&a, 8), sB1 = integer(&a, 11), sB2 = integer(&a, 12), sC1 = integer(&a, 16), sC2 = integer(&a, 17);
  // op(A)[i,k] = A[i·saI + k·saK], op(B)[k,j] = B[k·sbK + j·sbJ].
  int64_t saI = tA ? sA2 : sA1, saK = tA ? sA1 : sA2, sbK = tB ? sB2 : sB1, sbJ = tB ? sB1 : sB2;
  int useAB = alpha != 0.0 && K > 0 && M > 0 && N > 0;
  double *A = view(&a, 6, useAB ? M : 0, K, saI, saK, integer(&a, 9));
  double *B = view(&a, 10, useAB ? K : 0, N, sbK, sbJ, integer(&a, 13));
  double *C = view(&a, 15, M, N, sC1, sC2, integer(&a, 18));
  if (!a.ok || M <= 0 || N <= 0) return NULL;
  if (!useAB) {
    scale_out(C, M, N, sC1, sC2, beta);
    return NULL;
  }
  // A product with a vector side is a gemv (OpenBLAS's gemm pays its packing set-up for one row or column), a 1×1 one a dot.
  if (M == 1 && N == 1) {
    double d = dot(K, A, saK, B, sbK);
    C[0] = beta == 0.0 ? alpha * d : beta * C[0] + alpha * d;
    return NULL;
  }
  // A rank-one product is one multiply per entry, where OpenBLAS would walk n rows or columns of length 1.
  if (K == 1) {
    Outer o = { M, N, saI, sbJ, sC1, sC2, alpha, beta, A, B, C };
    parallel(parts_for(M > 1 ? M : N, (double)M * N), outer_part, &o);
    return NULL;
  }
  if (N == 1) return gemv_run(&a, 0, M, K, alpha, A, saI, saK, B, sbK, beta, C, sC1), NULL;
  if (M == 1) return gemv_run(&a, 1, K, N, alpha, B, sbK, sbJ, A, saK, beta, C, sC2), NULL;
  if (!fits_blas(&a, M, N, K)) return NULL;
  // A column-major C is the row-major Cᵀ = op(B)ᵀ·op(A)ᵀ: swap the operands rather than pack C.
  Operand oc = { 0 }, oa = { 0 }, ob = { 0 };
  int ok = operand(&oc, C, M, N, sC1, sC2, beta != 0.0);
  int swap = ok && oc.trans;
  if (swap) {
    int64_t t = M; M = N; N = t;
    double *p = A; A = B; B = p;
    int64_t i = saI, k = saK;
    saI = sbJ; saK = sbK; sbK = k; sbJ = i;
  }
  ok = ok && operand(&oa, A, M, K, saI, saK, 1);
  ok = ok && operand(&ob, B, K, N, sbK, sbJ, 1);
  if (ok) {
    Gemm g = { M, N, K, alpha, beta, &oa, &ob, &oc, M >= N };
    parallel(parts_for(g.by_rows ? M : N, (double)M * N * K), gemm_part, &g);
  } else {
    fail(&a, "catapult_native: out of memory packing a strided operand");
  }
  release(&oa, NULL, 0, 0, 0, 0, 0);
  release(&ob, NULL, 0, 0, 0, 0, 0);
  release(&oc, C, M, N, sC1, sC2, ok); // packed only when not swapped
  return NULL;
}
