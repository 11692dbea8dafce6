// The N-API arguments of one call, read with bounds and type checks, and the number a kernel returns.
#include <math.h>
#include "catapult_native.h"

int fail(Args *a, const char *msg) {
  if (a->ok) napi_throw_error(a->env, NULL, msg);
  a->ok = 0;
  return 0;
}

int read_args(Args *a, napi_env env, napi_callback_info info, size_t want) {
  a->env = env;
  a->n = MAX_ARGS;
  a->ok = 1;
  if (napi_get_cb_info(env, info, &a->n, a->v, NULL, NULL) != napi_ok || a->n < want) return fail(a, "catapult_native: too few arguments");
  return 1;
}

double num(Args *a, int i) {
  double x = 0;
  if (a->ok && napi_get_value_double(a->env, a->v[i], &x) != napi_ok) fail(a, "catapult_native: expected a number");
  return x;
}

int64_t integer(Args *a, int i) {
  double x = num(a, i);
  if (a->ok && (x != floor(x) || fabs(x) > 9007199254740992.0)) fail(a, "catapult_native: expected an integer");
  return (int64_t)x;
}

int flag(Args *a, int i) {
  bool b = false;
  if (a->ok && napi_get_value_bool(a->env, a->v[i], &b) != napi_ok) fail(a, "catapult_native: expected a boolean");
  return b;
}

/**
 * &x[offset] for a Float64Array x read as an R×C grid with strides (s1, s2) from `offset`; throws a
 * RangeError when the grid leaves the array (a bad stride must not become a segfault).
 */
double *view(Args *a, int i, int64_t R, int64_t C, int64_t s1, int64_t s2, int64_t offset) {
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

napi_value number(napi_env env, double x) {
  napi_value r;
  napi_create_double(env, x, &r);
  return r;
}
