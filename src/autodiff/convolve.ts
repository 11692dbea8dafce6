// The convolution primitive's kernels and rule: one image at a time, its patches (dim2col) as a (C·kh·kw, oH·oW) matrix, so W·patches is the image's NCHW output.
//
// Reduction order contract (what each output sums, in which order; the same on every thread count, since every gemm's
// shape is fixed by the layer and the batch, never by the threads):
// - y[n, o, p] = b[o] + Σ_k W[o, k]·patches_n[k, p], k = (c, i, j): one gemm per image through the kernel boundary
//   with beta = 1 on rows filled with b[o] (beta = 0 without a bias), so the sum is in that backend's gemm order (js
//   and wasm: from b[o], increasing k, one accumulator; native: OpenBLAS's, by shape).
// - dW[o, k] = Σ_n Σ_p g[n, o, p]·patches_n[k, p]: images in increasing n, each a gemm with beta = 1 that resumes
//   from the running sum, so on js and wasm it is one chain over (n, p) in increasing order, as the old composite's
//   single gemm over rows (n, p) was.
// - dx: dpatches_n = Wᵀ·g_n (a gemm over o), then every input pixel adds its taps into the cotangent already
//   there (dcol2im), in increasing tap order (c, i, j), and within a tap in increasing output pixel (which hits it
//   at most once). dim2col and dcol2im are the same loops on every backend.
// - db[o] = Σ_n Σ_p g[n, o, p]: one running sum from the cotangent already there, n outer, p inner.
import { kernels } from '../linalg/kernels';
import { allocF64, freeF64 } from '../linalg/backend';
import type { ConvGeometry, Rule, Target } from './prims';

const taps = (g: ConvGeometry) => g.C * g.kh * g.kw;

/**
 * out[n, o, ·] = b[o] for every image: the rows a biased convolution adds its products to.
 *
 * @example
 * fillChannels(geometry, b, y); // then convolveInto(geometry, x, W, y, 1)
 */
export function fillChannels(g: ConvGeometry, b: Float64Array, out: Float64Array): void {
  const P = g.oH * g.oW;
  for (let n = 0, r = 0; n < g.N; n++) for (let o = 0; o < g.O; o++, r += P) out.fill(b[o], r, r + P);
}

/** db[o] += Σ_n Σ_p g[n, o, p], one running sum per channel (the contract's order). */
function addChannelSums(g: ConvGeometry, gy: Float64Array, db: Float64Array): void {
  const P = g.oH * g.oW;
  for (let o = 0; o < g.O; o++) {
    let s = db[o];
    for (let n = 0; n < g.N; n++) for (let p = 0, r = (n * g.O + o) * P; p < P; p++) s += gy[r + p];
    db[o] = s;
  }
}

/**
 * out (N, O, oH, oW) = W ⋆ x (cross-correlation), written (beta 0) or added (beta 1), image by image.
 *
 * @example
 * const y = allocF64(N * O * oH * oW, false);
 * convolveInto(geometry, x, W, y, 0);
 */
export function convolveInto(g: ConvGeometry, x: Float64Array, W: Float64Array, out: Float64Array, beta: 0 | 1): void {
  const K = taps(g),
    P = g.oH * g.oW,
    patches = allocF64(K * P, false);
  for (let n = 0; n < g.N; n++) {
    kernels.dim2col(g, x, n * g.C * g.H * g.W, patches, 0);
    kernels.dgemm(false, false, g.O, P, K, 1, W, K, 1, 0, patches, P, 1, 0, beta, out, P, 1, n * g.O * P);
  }
  freeF64(patches);
}

/**
 * The cotangents of y = W ⋆ x for the output cotangent gy: dW = Σ_n gy_n·patches(x_n)ᵀ into gW, and dx = the
 * adjoint gather of Wᵀ·gy_n added into gx. Forward-over-reverse calls it with tangents in place of x or W, since
 * each cotangent is bilinear in (gy, the other operand).
 */
function convolveVjp(
  g: ConvGeometry,
  gy: Float64Array,
  x: Float64Array | null,
  W: Float64Array | null,
  gx: Float64Array | null,
  gW: Target | null,
): void {
  const K = taps(g),
    P = g.oH * g.oW,
    image = g.C * g.H * g.W,
    patches = allocF64(K * P, false);
  for (let n = 0; n < g.N; n++) {
    if (gW !== null && x !== null) {
      kernels.dim2col(g, x, n * image, patches, 0);
      const beta = n === 0 ? gW.beta : 1;
      kernels.dgemm(false, true, g.O, K, P, 1, gy, P, 1, n * g.O * P, patches, P, 1, 0, beta, gW.a, K, 1, 0);
    }
    if (gx !== null && W !== null) {
      kernels.dgemm(true, false, K, P, g.O, 1, W, K, 1, 0, gy, P, 1, n * g.O * P, 0, patches, P, 1, 0);
      kernels.dcol2im(g, patches, 0, gx, n * image);
    }
  }
  freeF64(patches);
}

const adding = (a: Float64Array | null): Target | null => (a === null ? null : { a, beta: 1 });

/**
 * convolve's rule: bilinear in (x, W) plus the bias, linear. Its forward-over-reverse is its vjp with one operand
 * replaced by its tangent; the bias adds nothing there.
 */
export const convolveRule: Rule<'convolve'> = {
  vjp: (c) => {
    const [x, W] = c.x;
    convolveVjp(c.node.saved, c.g, x.data, W.data, c.acc(0), c.target(1));
    const db = c.x.length > 2 ? c.acc(2) : null;
    if (db !== null) addChannelSums(c.node.saved, c.g, db);
  },
  jvp: (c) => {
    const [tx, tW] = c.t,
      tb = c.t.length > 2 ? c.t[2] : null;
    if (tx === null && tW === null && tb === null) return null;
    const s = c.node.saved,
      out = allocF64(c.y.data.length, false);
    let beta: 0 | 1 = 0;
    if (tb !== null) (fillChannels(s, tb, out), (beta = 1));
    if (tx !== null) (convolveInto(s, tx, c.x[1].data, out, beta), (beta = 1));
    if (tW !== null) convolveInto(s, c.x[0].data, tW, out, beta);
    return out;
  },
  vjpTangent: (c) => {
    const [tx, tW] = c.t;
    convolveVjp(c.node.saved, c.g, tx, tW, tW === null ? null : c.acc(0), tx === null ? null : adding(c.acc(1)));
  },
};
