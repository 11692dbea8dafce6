// The convolution primitive's kernels and rule: one image at a time, its patches (dim2col) as a (C·kh·kw, oH·oW) matrix, so W·patches is the image's NCHW output.
//
// Reduction order contract (what each output sums, in which order; the same on every thread count, since every gemm's
// shape is fixed by the layer and the batch, never by the threads):
// - y[n, o, p] = Σ_k W[o, k]·patches_n[k, p] (+ b[o]·1 as a last tap k = K), k = (c, i, j): one gemm per image through
//   the kernel boundary, so the sum is in that backend's gemm order (js and wasm: increasing k, one accumulator, the
//   bias last; native: OpenBLAS's, by shape).
// - dW[o, k] = Σ_n Σ_p g[n, o, p]·patches_n[k, p]: images in increasing n, each a gemm with beta = 1 that resumes
//   from the running sum, so on js and wasm it is one chain over (n, p) in increasing order, as the old composite's
//   single gemm over rows (n, p) was. Without a bias the chain starts from the cotangent already there.
// - db[o] = Σ_n Σ_p g[n, o, p]·1: the same gemm's last column (the bias tap), in the same order. With a bias, dW and db
//   are summed from zero in a buffer of their own and then added to the cotangents already there.
// - dx: dpatches_n = Wᵀ·g_n (a gemm over o), then every input pixel adds its taps into the cotangent already
//   there (dcol2im), in increasing tap order (c, i, j), and within a tap in increasing output pixel (which hits it
//   at most once). dim2col and dcol2im are the same loops on every backend.
import { kernels } from '../linalg/kernels';
import { allocF64, freeF64 } from '../linalg/backend';
import type { ConvGeometry, Rule, Target } from './prims';

const taps = (g: ConvGeometry) => g.C * g.kh * g.kw;

/**
 * out[n, o, ·] = b[o] for every image: a convolution's tangent when only its bias moves.
 *
 * @example
 * fillChannels(geometry, tb, out);
 */
function fillChannels(g: ConvGeometry, b: Float64Array, out: Float64Array): void {
  const P = g.oH * g.oW;
  for (let n = 0, r = 0; n < g.N; n++) for (let o = 0; o < g.O; o++, r += P) out.fill(b[o], r, r + P);
}

/**
 * out (N, O, oH, oW) = W ⋆ x (+ b[o]) (cross-correlation), written (beta 0) or added (beta 1), image by image. A bias
 * rides in the gemm as one more tap whose patch row is all ones and whose weight is b[o]: no pass fills the output
 * with b first, and the gemm does not read it back.
 *
 * @example
 * const y = allocF64(N * O * oH * oW, false);
 * convolveInto(geometry, x, W, y, 0, b);
 */
export function convolveInto(
  g: ConvGeometry,
  x: Float64Array,
  W: Float64Array,
  out: Float64Array,
  beta: 0 | 1,
  b: Float64Array | null = null,
): void {
  const K = taps(g),
    P = g.oH * g.oW,
    Kb = b === null ? K : K + 1,
    Wb = b === null ? W : withBiasTap(W, b, g.O, K),
    patches = patchBuffer(K, Kb, P);
  for (let n = 0; n < g.N; n++) {
    kernels.dim2col(g, x, n * g.C * g.H * g.W, patches, 0);
    kernels.dgemm(false, false, g.O, P, Kb, 1, Wb, Kb, 1, 0, patches, P, 1, 0, beta, out, P, 1, n * g.O * P);
  }
  freeF64(patches);
  if (Wb !== W) freeF64(Wb);
}

/** (O, K + 1): W's rows, each followed by its channel's bias. */
function withBiasTap(W: Float64Array, b: Float64Array, O: number, K: number): Float64Array {
  const Wb = allocF64(O * (K + 1), false);
  for (let o = 0; o < O; o++) {
    Wb.set(W.subarray(o * K, (o + 1) * K), o * (K + 1));
    Wb[o * (K + 1) + K] = b[o];
  }
  return Wb;
}

/** A (Kb, P) patch buffer whose rows past the K that dim2col writes are ones (the bias tap). */
function patchBuffer(K: number, Kb: number, P: number): Float64Array {
  const patches = allocF64(Kb * P, false);
  patches.fill(1, K * P);
  return patches;
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
  db: Float64Array | null = null,
): void {
  const K = taps(g),
    P = g.oH * g.oW,
    image = g.C * g.H * g.W,
    Kb = db === null ? K : K + 1,
    patches = patchBuffer(K, Kb, P),
    // With a bias the gemm's last column is Σ_p gy[n, o, p]: dW and db come out of one product, in a buffer of their own.
    dWb: Target | null = db === null ? gW : { a: allocF64(g.O * Kb, false), beta: 0 };
  for (let n = 0; n < g.N; n++) {
    if (dWb !== null && x !== null) {
      kernels.dim2col(g, x, n * image, patches, 0);
      const beta = n === 0 ? dWb.beta : 1;
      kernels.dgemm(false, true, g.O, Kb, P, 1, gy, P, 1, n * g.O * P, patches, P, 1, 0, beta, dWb.a, Kb, 1, 0);
    }
    if (gx !== null && W !== null) {
      kernels.dgemm(true, false, K, P, g.O, 1, W, K, 1, 0, gy, P, 1, n * g.O * P, 0, patches, P, 1, 0);
      kernels.dcol2im(g, patches, 0, gx, n * image);
    }
  }
  freeF64(patches);
  if (db !== null && dWb !== null) splitBiasTap(dWb.a, g.O, K, gW, db);
}

/** Adds the last column of an (O, K + 1) product into db and writes or adds the rest into gW (if any). */
function splitBiasTap(dWb: Float64Array, O: number, K: number, gW: Target | null, db: Float64Array): void {
  for (let o = 0; o < O; o++) {
    db[o] += dWb[o * (K + 1) + K];
    if (gW === null) continue;
    for (let k = 0, r = o * (K + 1); k < K; k++) gW.a[o * K + k] = (gW.beta === 0 ? 0 : gW.a[o * K + k]) + dWb[r + k];
  }
  freeF64(dWb);
}

const adding = (a: Float64Array | null): Target | null => (a === null ? null : { a, beta: 1 });

/**
 * convolve's rule: bilinear in (x, W) plus the bias, linear. Its forward-over-reverse is its vjp with one operand
 * replaced by its tangent; the bias adds nothing there.
 */
export const convolveRule: Rule<'convolve'> = {
  vjp: (c) => {
    const [x, W] = c.x;
    convolveVjp(c.node.saved, c.g, x.data, W.data, c.acc(0), c.target(1), c.x.length > 2 ? c.acc(2) : null);
  },
  jvp: (c) => {
    const [tx, tW] = c.t,
      tb = c.t.length > 2 ? c.t[2] : null;
    if (tx === null && tW === null && tb === null) return null;
    const s = c.node.saved,
      out = allocF64(c.y.data.length, false);
    if (tx === null && tW === null) fillChannels(s, tb!, out);
    if (tx !== null) convolveInto(s, tx, c.x[1].data, out, 0, tb);
    if (tW !== null) convolveInto(s, c.x[0].data, tW, out, tx === null ? 0 : 1, tx === null ? tb : null);
    return out;
  },
  vjpTangent: (c) => {
    const [tx, tW] = c.t;
    convolveVjp(c.node.saved, c.g, tx, tW, tW === null ? null : c.acc(0), tx === null ? null : adding(c.acc(1)));
  },
};
