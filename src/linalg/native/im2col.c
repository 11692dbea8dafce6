// dim2col and dcol2im: one image's im2col in the (C·kh·kw, oH·oW) layout and its adjoint, the loops of src/linalg/im2col.ts.
#include "catapult_native.h"

/** Copies below this many entries run as one part: waking a thread costs more than it saves. */
#define PART_MIN_ENTRIES (1 << 16)

/** One image's window (src/linalg/im2col.ts's ImageWindow) and its two arrays; `add` picks col2im. */
typedef struct {
  int64_t C, H, W, kh, kw, s, pt, pl, oH, oW;
  double *x, *cols;
  int add;
} Window;

/** The output columns [lo, hi) whose tap j reads inside a row: 0 ≤ ow·s + j − pl < W. */
static void inside_columns(const Window *g, int64_t j, int64_t *lo, int64_t *hi) {
  int64_t before = g->pl - j, last = g->W - 1 - j + g->pl;
  int64_t l = before <= 0 ? 0 : (before + g->s - 1) / g->s;
  int64_t h = last < 0 ? 0 : last / g->s + 1;
  if (h > g->oW) h = g->oW;
  *lo = l;
  *hi = h < l ? l : h;
}

/**
 * Channels [c0, c1) of the copy, in the JS loop's order. Each channel owns its rows of cols and its plane of x, so
 * a split over channels changes neither what is written nor the order of any pixel's additions.
 */
static void window_part(void *ctx, int64_t p, int64_t parts) {
  const Window *g = ctx;
  const int64_t c0 = p * g->C / parts, c1 = (p + 1) * g->C / parts, P = g->oH * g->oW;
  for (int64_t c = c0; c < c1; c++)
    for (int64_t i = 0; i < g->kh; i++)
      for (int64_t j = 0; j < g->kw; j++) {
        int64_t lo, hi;
        inside_columns(g, j, &lo, &hi);
        double *row = g->cols + ((c * g->kh + i) * g->kw + j) * P;
        for (int64_t oh = 0; oh < g->oH; oh++) {
          double *dst = row + oh * g->oW;
          const int64_t ih = oh * g->s + i - g->pt;
          if (ih < 0 || ih >= g->H) {
            if (!g->add) for (int64_t ow = 0; ow < g->oW; ow++) dst[ow] = 0.0;
            continue;
          }
          const int64_t src = (c * g->H + ih) * g->W + j - g->pl;
          if (g->add && g->s == 1) {
            // Unit stride: x and cols never overlap (two arrays), so the run vectorizes; each sum is still one add.
            double *restrict to = g->x + src + lo;
            const double *restrict from = dst + lo;
            for (int64_t k = 0; k < hi - lo; k++) to[k] += from[k];
          } else if (g->add) {
            for (int64_t ow = lo; ow < hi; ow++) g->x[src + ow * g->s] += dst[ow];
          } else if (g->s == 1) {
            // Unit stride: a contiguous run, which the compiler turns into vector copies.
            for (int64_t ow = 0; ow < lo; ow++) dst[ow] = 0.0;
            for (int64_t ow = lo; ow < hi; ow++) dst[ow] = g->x[src + ow];
            for (int64_t ow = hi; ow < g->oW; ow++) dst[ow] = 0.0;
          } else {
            for (int64_t ow = 0; ow < lo; ow++) dst[ow] = 0.0;
            for (int64_t ow = lo; ow < hi; ow++) dst[ow] = g->x[src + ow * g->s];
            for (int64_t ow = hi; ow < g->oW; ow++) dst[ow] = 0.0;
          }
        }
      }
}

/** (C, H, W, kh, kw, stride, padTop, padLeft, oH, oW, first array, its offset, second array, its offset). */
static napi_value window_call(napi_env env, napi_callback_info info, int add) {
  Args a;
  if (!read_args(&a, env, info, 14)) return NULL;
  Window g;
  int64_t *dims[10] = { &g.C, &g.H, &g.W, &g.kh, &g.kw, &g.s, &g.pt, &g.pl, &g.oH, &g.oW };
  for (int k = 0; k < 10; k++) *dims[k] = integer(&a, k);
  if (a.ok && (g.C < 1 || g.H < 1 || g.W < 1 || g.kh < 1 || g.kw < 1 || g.s < 1 || g.oH < 1 || g.oW < 1 || g.pt < 0 || g.pl < 0))
    fail(&a, "catapult_native: im2col sizes must be positive and paddings non-negative");
  const int64_t image = g.C * g.H * g.W, patches = g.C * g.kh * g.kw * g.oH * g.oW;
  const int first = add ? 10 : 12, second = add ? 12 : 10; // dcol2im reads cols first, dim2col x
  g.cols = view(&a, first, 1, patches, 0, 1, integer(&a, first + 1));
  g.x = view(&a, second, 1, image, 0, 1, integer(&a, second + 1));
  if (!a.ok) return NULL;
  g.add = add;
  int64_t parts = patches >= PART_MIN_ENTRIES ? pool_threads() : 1;
  if (parts > g.C) parts = g.C;
  parallel(parts, window_part, &g);
  return NULL;
}

napi_value dim2col(napi_env env, napi_callback_info info) {
  return window_call(env, info, 0);
}

napi_value dcol2im(napi_env env, napi_callback_info info) {
  return window_call(env, info, 1);
}
