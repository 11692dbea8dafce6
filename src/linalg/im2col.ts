// One image's im2col in the (C·kh·kw, oH·oW) layout and its adjoint col2im: the JS reference of the dim2col and dcol2im kernels.
//
// The window: input (C, H, W) at offset ox, a kh×kw window moved by `stride`, offset by (padTop, padLeft), zeros
// outside, oH×oW positions. Row (c·kh + i)·kw + j of cols, column oh·oW + ow, holds x[c, oh·s + i − padTop, ow·s +
// j − padLeft]. dcol2im adds each cols entry back into its pixel, taps (c, i, j) in increasing order and within a
// tap output pixels in increasing order (each reaches a pixel at most once): the order every backend keeps.

/** The window of one image: the numbers the two kernels share (see the header). */
export interface ImageWindow {
  C: number;
  H: number;
  W: number;
  kh: number;
  kw: number;
  stride: number;
  padTop: number;
  padLeft: number;
  oH: number;
  oW: number;
}

/** The output columns [lo, hi) whose tap j reads inside a row: 0 ≤ ow·stride + j − padLeft < W. */
function insideColumns(g: ImageWindow, j: number): [number, number] {
  const lo = Math.max(0, Math.ceil((g.padLeft - j) / g.stride)),
    hi = Math.min(g.oW, Math.floor((g.W - 1 - j + g.padLeft) / g.stride) + 1);
  return [lo, Math.max(lo, hi)];
}

/**
 * cols[oc + (c·kh + i)·kw + j, oh·oW + ow] = x[ox + (c·H + ih)·W + iw] (ih = oh·s + i − padTop, iw = ow·s + j −
 * padLeft), 0 outside the image: every entry of the C·kh·kw × oH·oW block is written.
 *
 * @example
 * // a 1×3×3 image, 2×2 VALID windows: cols is 4×4, row (i, j) the 4 windows' tap (i, j)
 * dim2col({ C: 1, H: 3, W: 3, kh: 2, kw: 2, stride: 1, padTop: 0, padLeft: 0, oH: 2, oW: 2 }, x, 0, cols, 0);
 */
export function dim2col(g: ImageWindow, x: Float64Array, ox: number, cols: Float64Array, oc: number): void {
  const { C, H, W, kh, kw, stride, padTop, padLeft, oH, oW } = g;
  let row = oc,
    ow = 0;
  for (let c = 0; c < C; c++)
    for (let i = 0; i < kh; i++)
      for (let j = 0; j < kw; j++, row += oH * oW) {
        const [lo, hi] = insideColumns(g, j);
        for (let oh = 0, dst = row; oh < oH; oh++, dst += oW) {
          const ih = oh * stride + i - padTop;
          if (ih < 0 || ih >= H) {
            cols.fill(0, dst, dst + oW);
            continue;
          }
          const src = ox + (c * H + ih) * W + j - padLeft;
          for (ow = 0; ow < lo; ow++) cols[dst + ow] = 0;
          for (ow = lo; ow < hi; ow++) cols[dst + ow] = x[src + ow * stride];
          for (ow = hi; ow < oW; ow++) cols[dst + ow] = 0;
        }
      }
}

/**
 * The adjoint of dim2col: x[ox + …] += cols[oc + …] for every tap inside the image, in the header's order.
 *
 * @example
 * dcol2im(window, dcols, 0, dx, 0); // dx += the patches' cotangents, pixel by pixel
 */
export function dcol2im(g: ImageWindow, cols: Float64Array, oc: number, x: Float64Array, ox: number): void {
  const { C, H, W, kh, kw, stride, padTop, padLeft, oH, oW } = g;
  let row = oc,
    ow = 0;
  for (let c = 0; c < C; c++)
    for (let i = 0; i < kh; i++)
      for (let j = 0; j < kw; j++, row += oH * oW) {
        const [lo, hi] = insideColumns(g, j);
        for (let oh = 0, dst = row; oh < oH; oh++, dst += oW) {
          const ih = oh * stride + i - padTop;
          if (ih < 0 || ih >= H) continue;
          const src = ox + (c * H + ih) * W + j - padLeft;
          for (ow = lo; ow < hi; ow++) x[src + ow * stride] += cols[dst + ow];
        }
      }
}
