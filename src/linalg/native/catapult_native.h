// The native addon's shared declarations (what crosses its .c files), and the contracts all of them keep.
//
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
//
// The files, compiled together by scripts/build-native.js: args.c (reading N-API arguments), pool.c (the
// thread pool), level1.c (ddot, daxpy, dscal, dnrm2), gemm.c (dgemv, dgemm on OpenBLAS), im2col.c (dim2col,
// dcol2im: one image's patches and their adjoint), addon.c (the exports).
#ifndef CATAPULT_NATIVE_H
#define CATAPULT_NATIVE_H

#define NAPI_VERSION 8
#include <stdint.h>
#include <node_api.h>

// What crosses files is hidden, like the static functions it was: the addon exports only its N-API entry points.
#pragma GCC visibility push(hidden)

#define MAX_ARGS 19

/** The arguments of one call, read with bounds and type checks; the first failure throws and sets ok = 0. */
typedef struct {
  napi_env env;
  napi_value v[MAX_ARGS];
  size_t n;
  int ok;
} Args;

// ---------------------------------------------------------------- arguments (args.c)

int fail(Args *a, const char *msg);
int read_args(Args *a, napi_env env, napi_callback_info info, size_t want);
double num(Args *a, int i);
int64_t integer(Args *a, int i);
int flag(Args *a, int i);
double *view(Args *a, int i, int64_t R, int64_t C, int64_t s1, int64_t s2, int64_t offset);
napi_value number(napi_env env, double x);

// ---------------------------------------------------------------- the thread pool (pool.c)

/** One parallel loop: parts 0..parts-1 of `fn`, taken in turn by the caller and T − 1 workers. */
typedef void (*part_fn)(void *ctx, int64_t part, int64_t parts);

void parallel(int64_t parts, part_fn fn, void *ctx);
int set_pool_threads(int t);
/** The current T, read without the lock (a hint for how many parts an elementwise loop gets). */
int pool_threads(void);

// ---------------------------------------------------------------- the kernels (level1.c, gemm.c, im2col.c)

double dot(int64_t n, const double *x, int64_t sx, const double *y, int64_t sy);
napi_value ddot(napi_env env, napi_callback_info info);
napi_value daxpy(napi_env env, napi_callback_info info);
napi_value dscal(napi_env env, napi_callback_info info);
napi_value dnrm2(napi_env env, napi_callback_info info);
napi_value dgemv(napi_env env, napi_callback_info info);
napi_value dgemm(napi_env env, napi_callback_info info);
napi_value dkeep(napi_env env, napi_callback_info info);
napi_value dim2col(napi_env env, napi_callback_info info);
napi_value dcol2im(napi_env env, napi_callback_info info);

#pragma GCC visibility pop

#endif
