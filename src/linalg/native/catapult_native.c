// The native backend's N-API addon: dgemm/dgemv on the system OpenBLAS, and the level-1 loops in a fixed order written here.
//
// Every array is a JS Float64Array read in place through its pointer: nothing is staged or copied,
// except a strided operand that BLAS cannot address (a negative or doubly strided layout), which is
// packed into a contiguous temporary. The level-1 loops mirror src/linalg/blas.ts operation for
// operation (built with -ffp-contract=off, so no fused multiply-add), which makes them bitwise equal
// to the js backend.
//
// Threads: OpenBLAS's own threading is not bitwise reproducible across thread counts (its threaded
// dgemm blocks K differently from the serial one, and its gemv splits rows at unaligned places:
// 130³, 64×64×1000 and 1023×1025×1027 products differ in the last bits on 1 and 2 threads). So OpenBLAS
// runs single-threaded, on parts of C (or y) that depend on the shape alone, and a small pool of T
// threads here takes the parts: any T computes the same parts, hence the same bits.
#define NAPI_VERSION 8
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cblas.h>
#include <node_api.h>

#define MAX_ARGS 19

/** The arguments of one call, read with bounds and type checks; the first failure throws and sets ok = 0. */
typedef struct {
  napi_env env;
  napi_value v[MAX_ARGS];
  size_t n;
  int ok;
} Args;

static int fail(Args *a, const char *msg) {
  if (a->ok) napi_throw_error(a->env, NULL, msg);
  a->ok = 0;
  return 0;
}

static int read_args(Args *a, napi_env env, napi_callback_info info, size_t want) {
  a->env = env;
  a->n = MAX_ARGS;
  a->ok = 1;
  if (napi_get_cb_info(env, info, &a->n, a->v, NULL, NULL) != napi_ok || a->n < want) return fail(a, "catapult_native: too few arguments");
  return 1;
}

static double num(Args *a, int i) {
  double x = 0;
  if (a->ok && napi_get_value_double(a->env, a->v[i], &x) != napi_ok) fail(a, "catapult_native: expected a number");
  return x;
}

static int64_t integer(Args *a, int i) {
  double x = num(a, i);
  if (a->ok && (x != floor(x) || fabs(x) > 9007199254740992.0)) fail(a, "catapult_native: expected an integer");
  return (int64_t)x;
}

static int flag(Args *a, int i) {
  bool b = false;
  if (a->ok && napi_get_value_bool(a->env, a->v[i], &b) != napi_ok) fail(a, "catapult_native: expected a boolean");
  return b;
}

/**
 * &x[offset] for a Float64Array x read as an R×C grid with strides (s1, s2) from `offset`; throws a
 * RangeError when the grid leaves the array (a bad stride must not become a segfault).
 */
static double *view(Args *a, int i, int64_t R, int64_t C, int64_t s1, int64_t s2, int64_t offset) {
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (!a->ok) return NULL;
  if (napi_get_typedarray_info(a->env, a->v[i], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_float64_array) {
    fail(a, "catapult_native: expected a Float64Array");
    return NULL;
  }
  if (R <= 0 || C <= 0) return (double *)data;
  int64_t lo = offset + (s1 < 0 ? (R - 1) * s1 : 0) + (s2 < 0 ? (C - 1) * s2 : 0);
  int64_t hi = offset + (s1 > 0 ? (R - 1) * s1 : 0) + (s2 > 0 ? (C - 1) * s2 : 0);
  if (lo < 0 || hi >= (int64_t)length) {
    if (a->ok) napi_throw_range_error(a->env, NULL, "catapult_native: strided access outside the array");
    a->ok = 0;
    return NULL;
  }
  return (double *)data + offset;
}

static napi_value number(napi_env env, double x) {
  napi_value r;
  napi_create_double(env, x, &r);
  return r;
}

// ---------------------------------------------------------------- the thread pool

/** One parallel loop: parts 0..parts-1 of `fn`, taken in turn by the caller and T − 1 workers. */
typedef void (*part_fn)(void *ctx, int64_t part, int64_t parts);

#define MAX_THREADS 64

static struct {
  pthread_mutex_t lock;
  pthread_cond_t wake, done;
  pthread_mutex_t job; /* one loop at a time: a second JS thread (a sweep worker) runs its parts itself */
  int threads, workers;
  long generation; /* bumped per loop; workers wait for it to change */
  part_fn fn;
  void *ctx;
  long parts, next, busy;
} pool = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_COND_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, 1, 0, 0, NULL, NULL, 0, 0, 0 };

/** Runs parts until none is left; called and returns with the lock held. */
static void take_parts(void) {
  while (pool.next < pool.parts) {
    long p = pool.next++;
    __atomic_add_fetch(&pool.busy, 1, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&pool.lock);
    pool.fn(pool.ctx, p, pool.parts);
    pthread_mutex_lock(&pool.lock);
    if (__atomic_sub_fetch(&pool.busy, 1, __ATOMIC_RELEASE) == 0 && pool.next >= pool.parts) pthread_cond_broadcast(&pool.done);
  }
}

/** How long a thread polls before it sleeps: waking a sleeping thread costs ~0.5 ms on this VM, a 256³ product 0.3 ms. */
#define SPIN_NS 200000L

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/** Polls while (*word == value) is `equal`, for at most SPIN_NS: back-to-back products then go on without a wake-up. */
static void spin_while(const long *word, long value, int equal) {
  long long until = now_ns() + SPIN_NS;
  for (int i = 0; (__atomic_load_n(word, __ATOMIC_ACQUIRE) == value) == equal; i++) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    if ((i & 255) == 255 && now_ns() > until) return;
  }
}

static void *worker(void *arg) {
  int index = (int)(intptr_t)arg;
  long seen = 0;
  for (;;) {
    spin_while(&pool.generation, seen, 1);
    pthread_mutex_lock(&pool.lock);
    while (pool.generation == seen) pthread_cond_wait(&pool.wake, &pool.lock);
    seen = pool.generation;
    if (index < pool.threads - 1) take_parts(); /* workers beyond the current count sit out */
    pthread_mutex_unlock(&pool.lock);
  }
  return NULL;
}

/** fn(ctx, p, parts) for every part; the parts run on up to T threads, each part's arithmetic on one. */
static void parallel(int64_t parts, part_fn fn, void *ctx) {
  if (parts > 1 && pool.threads > 1 && pthread_mutex_trylock(&pool.job) == 0) {
    pthread_mutex_lock(&pool.lock);
    pool.fn = fn;
    pool.ctx = ctx;
    pool.parts = parts;
    pool.next = 0;
    __atomic_store_n(&pool.generation, pool.generation + 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&pool.wake);
    take_parts();
    if (pool.busy > 0) { /* a worker still runs its last part: poll for it before sleeping */
      pthread_mutex_unlock(&pool.lock);
      spin_while(&pool.busy, 0, 0);
      pthread_mutex_lock(&pool.lock);
    }
    while (pool.busy > 0) pthread_cond_wait(&pool.done, &pool.lock);
    pool.parts = 0;
    pthread_mutex_unlock(&pool.lock);
    pthread_mutex_unlock(&pool.job);
    return;
  }
  for (int64_t p = 0; p < parts; p++) fn(ctx, p, parts);
}

/** Sets T, starting workers on first need (they are never stopped: they sleep on a condition variable). */
static int set_pool_threads(int t) {
  if (t > MAX_THREADS) t = MAX_THREADS;
  pthread_mutex_lock(&pool.lock);
  while (pool.workers < t - 1) {
    pthread_t id;
    if (pthread_create(&id, NULL, worker, (void *)(intptr_t)pool.workers) != 0) break;
    pthread_detach(id);
    pool.workers++;
  }
  pool.threads = pool.workers + 1 < t ? pool.workers + 1 : t;
  pthread_mutex_unlock(&pool.lock);
  return pool.threads;
}

/** Products below this many multiply-adds run as one part: waking a thread costs more than it saves. */
#define PART_MIN_WORK (1 << 22)
/** 1, 2 or 4 parts (even shares for 1, 2 and 4 threads), each at least PART_MIN_EXTENT rows (or columns) of C, cut at multiples of 32. */
#define MAX_PARTS 4
#define PART_MIN_EXTENT 128

/** How many parts a product of `work` multiply-adds cut along `extent` gets: from the shape alone, never from T. */
static int64_t parts_for(int64_t extent, double work) {
  int64_t p = 1;
  if (work >= PART_MIN_WORK) while (p < MAX_PARTS && extent >= 2 * p * PART_MIN_EXTENT) p *= 2;
  return p;
}

/** First index of part p of `parts` over [0, extent), aligned to 32 (OpenBLAS's tiles stay whole). */
static int64_t part_start(int64_t p, int64_t parts, int64_t extent) {
  return p >= parts ? extent : (p * extent / parts) / 32 * 32;
}

// ---------------------------------------------------------------- level 1 (the order of src/linalg/blas.ts)

/** Four partial sums by index mod 4, combined (s0 + s1) + (s2 + s3), then the tail in index order. */
static double dot(int64_t n, const double *x, int64_t sx, const double *y, int64_t sy) {
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

static napi_value ddot(napi_env env, napi_callback_info info) {
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
  return pool.threads;
}

static napi_value daxpy(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(&a, env, info, 8)) return NULL;
  Vec v = { integer(&a, 0), integer(&a, 3), integer(&a, 6), num(&a, 1), NULL, NULL };
  v.x = view(&a, 2, v.n, 1, v.sx, 0, integer(&a, 4));
  v.y = view(&a, 5, v.n, 1, v.sy, 0, integer(&a, 7));
  if (a.ok && v.alpha != 0.0 && v.n > 0) parallel(vec_parts(&v), vec_part, &v);
  return NULL;
}

static napi_value dscal(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(&a, env, info, 5)) return NULL;
  Vec v = { integer(&a, 0), integer(&a, 3), 0, num(&a, 1), NULL, NULL };
  v.x = view(&a, 2, v.n, 1, v.sx, 0, integer(&a, 4));
  if (a.ok && v.alpha != 1.0 && v.n > 0) parallel(vec_parts(&v), vec_part, &v);
  return NULL;
}

/** blas.ts's dnrm2: sqrt of dot(x, x) when that sum is finite and ≥ 2⁻⁹⁶⁸, otherwise Blue's three-accumulator norm. */
static napi_value dnrm2(napi_env env, napi_callback_info info) {
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

// ---------------------------------------------------------------- level 2 and 3 on OpenBLAS

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
static napi_value dgemv(napi_env env, napi_callback_info info) {
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
static napi_value dgemm(napi_env env, napi_callback_info info) {
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

// ---------------------------------------------------------------- threads and identity

static napi_value set_threads(napi_env env, napi_callback_info info) {
  Args a;
  if (!read_args(&a, env, info, 1)) return NULL;
  int64_t t = integer(&a, 0);
  if (a.ok && t < 1) fail(&a, "catapult_native: threads must be at least 1");
  return a.ok ? number(env, set_pool_threads((int)t)) : NULL;
}

static napi_value string_of(napi_env env, const char *s) {
  napi_value r;
  napi_create_string_utf8(env, s ? s : "", NAPI_AUTO_LENGTH, &r);
  return r;
}

static napi_value config(napi_env env, napi_callback_info info) {
  (void)info;
  return string_of(env, openblas_get_config());
}

static napi_value corename(napi_env env, napi_callback_info info) {
  (void)info;
  return string_of(env, openblas_get_corename());
}

static napi_value init(napi_env env, napi_value exports) {
  openblas_set_num_threads(1); // the pool above runs the parts; OpenBLAS's own threads would change the bits
  const napi_property_descriptor fns[] = {
    { "ddot", NULL, ddot, NULL, NULL, NULL, napi_default, NULL },
    { "daxpy", NULL, daxpy, NULL, NULL, NULL, napi_default, NULL },
    { "dscal", NULL, dscal, NULL, NULL, NULL, napi_default, NULL },
    { "dnrm2", NULL, dnrm2, NULL, NULL, NULL, napi_default, NULL },
    { "dgemv", NULL, dgemv, NULL, NULL, NULL, napi_default, NULL },
    { "dgemm", NULL, dgemm, NULL, NULL, NULL, napi_default, NULL },
    { "setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL },
    { "config", NULL, config, NULL, NULL, NULL, napi_default, NULL },
    { "corename", NULL, corename, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
