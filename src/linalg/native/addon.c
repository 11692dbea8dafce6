// The addon's exports: the kernels, setThreads, and OpenBLAS's identity, registered with N-API.
#include <cblas.h>
#include "catapult_native.h"

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
  openblas_set_num_threads(1); // the pool (pool.c) runs the parts; OpenBLAS's own threads would change the bits
  const napi_property_descriptor fns[] = {
    { "ddot", NULL, ddot, NULL, NULL, NULL, napi_default, NULL },
    { "daxpy", NULL, daxpy, NULL, NULL, NULL, napi_default, NULL },
    { "dscal", NULL, dscal, NULL, NULL, NULL, napi_default, NULL },
    { "dnrm2", NULL, dnrm2, NULL, NULL, NULL, napi_default, NULL },
    { "dgemv", NULL, dgemv, NULL, NULL, NULL, napi_default, NULL },
    { "dgemm", NULL, dgemm, NULL, NULL, NULL, napi_default, NULL },
    { "dkeep", NULL, dkeep, NULL, NULL, NULL, napi_default, NULL },
    { "dim2col", NULL, dim2col, NULL, NULL, NULL, napi_default, NULL },
    { "dcol2im", NULL, dcol2im, NULL, NULL, NULL, napi_default, NULL },
    { "setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL },
    { "config", NULL, config, NULL, NULL, NULL, napi_default, NULL },
    { "corename", NULL, corename, NULL, NULL, NULL, napi_default, NULL },
  };
  napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
