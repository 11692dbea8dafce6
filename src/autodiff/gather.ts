// The data-movement primitives (im2col gather, axis permutation, row maximum): kernels and rules, all linear or piecewise linear.
import { allocF64 } from '../linalg/backend';
import type { Rule, SavedByPrim } from './rules';

/**
 * Where an im2col reads: input (N, C, H, W), a kh×kw window moved by `stride`, the input offset by
 * (padTop, padLeft) with zeros outside, giving oH×oW windows. Output row (n, oh, ow), column (c, i, j).
 */
export interface Im2colGeometry {
  N: number;
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

export type Padding = 'same' | 'valid';

/**
 * The geometry of a kh×kw window with `stride` and `padding` on an (N, C, H, W) input. SAME is TensorFlow's and
 * JAX's: oH = ⌈H/s⌉, the total padding split with the odd pixel at the bottom/right (PyTorch's `padding=1` puts
 * it on both sides, which differs for stride 2 on even sizes).
 *
 * @example
 * im2colGeometry([2, 3, 8, 8], 3, 3, 2, 'same'); // { oH: 4, oW: 4, padTop: 0, padLeft: 0, … }
 */
export function im2colGeometry(shape: readonly number[], kh: number, kw: number, stride: number, padding: Padding): Im2colGeometry {
  const [N, C, H, W] = shape;
  const side = (size: number, k: number): [number, number] => {
    if (padding === 'valid') return [Math.floor((size - k) / stride) + 1, 0];
    const out = Math.ceil(size / stride);
    return [out, Math.floor(Math.max((out - 1) * stride + k - size, 0) / 2)];
  };
  const [oH, padTop] = side(H, kh),
    [oW, padLeft] = side(W, kw);
  if (oH < 1 || oW < 1) throw new Error(`im2col: a ${kh}×${kw} VALID window does not fit a ${H}×${W} input`);
  return { N, C, H, W, kh, kw, stride, padTop, padLeft, oH, oW };
}

/**
 * Visits every (output index, input index) pair of an im2col in row-major output order; the input index is −1
 * where the window reads padding. The adjoint scatters in this same order, so it is reproducible.
 */
function eachIm2col(g: Im2colGeometry, visit: (out: number, inp: number) => void): void {
  const { N, C, H, W, kh, kw, stride, padTop, padLeft, oH, oW } = g;
  let o = 0;
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < oH; oh++)
      for (let ow = 0; ow < oW; ow++)
        for (let c = 0; c < C; c++)
          for (let i = 0; i < kh; i++) {
            const ih = oh * stride + i - padTop;
            for (let j = 0; j < kw; j++, o++) {
              const iw = ow * stride + j - padLeft;
              visit(o, ih >= 0 && ih < H && iw >= 0 && iw < W ? ((n * C + c) * H + ih) * W + iw : -1);
            }
          }
}

/** cols[(n,oh,ow), (c,i,j)] = x[n, c, oh·s + i − padTop, ow·s + j − padLeft], 0 outside the input. */
export function im2colForward(g: Im2colGeometry, x: Float64Array): Float64Array {
  const out = allocF64(g.N * g.oH * g.oW * g.C * g.kh * g.kw);
  eachIm2col(g, (o, i) => {
    if (i >= 0) out[o] = x[i];
  });
  return out;
}

/** The output shape and, for each output position, the input position of a permutation of axes. */
function eachPermuted(shape: readonly number[], axes: readonly number[], visit: (out: number, inp: number) => void): void {
  const rank = shape.length,
    strides = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1] * shape[d + 1];
  const outShape = axes.map((a) => shape[a]),
    outStrides = axes.map((a) => strides[a]);
  const idx = new Array<number>(rank).fill(0),
    total = shape.reduce((a, b) => a * b, 1);
  let inp = 0;
  for (let o = 0; o < total; o++) {
    visit(o, inp);
    // Odometer over the output index, last axis fastest, keeping the input offset in step.
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      inp += outStrides[d];
      if (idx[d] < outShape[d]) break;
      inp -= outStrides[d] * outShape[d];
      idx[d] = 0;
    }
  }
}

/** out = x with its axes reordered: out.shape[d] = shape[axes[d]] (numpy's transpose). */
export function permuteForward(shape: readonly number[], axes: readonly number[], x: Float64Array): Float64Array {
  const out = allocF64(x.length);
  eachPermuted(shape, axes, (o, i) => (out[o] = x[i]));
  return out;
}

/** The maximum of each row of x (m×k) and where it is; ties go to the first (lowest) index. */
export function rowMaxForward(x: Float64Array, m: number, k: number): { y: Float64Array; argmax: Int32Array } {
  const y = allocF64(m),
    argmax = new Int32Array(m);
  for (let r = 0; r < m; r++) {
    let best = r * k;
    for (let j = r * k + 1; j < (r + 1) * k; j++) if (x[j] > x[best]) best = j;
    argmax[r] = best;
    y[r] = x[best];
  }
  return { y, argmax };
}

/** A linear map's rule from its action on a vector (forward) and its transpose added into an accumulator. */
function linearRule<P extends 'im2col' | 'permute' | 'rowMax'>(
  apply: (s: SavedByPrim[P], t: Float64Array) => Float64Array,
  transposeAdd: (s: SavedByPrim[P], g: Float64Array, acc: Float64Array) => void,
): Rule<P> {
  return {
    vjp: (c) => {
      const a = c.acc(0);
      if (a !== null) transposeAdd(c.node.saved, c.g, a);
    },
    jvp: (c) => (c.t[0] === null ? null : apply(c.node.saved, c.t[0])),
    // The map is fixed (rowMax's selection is locally constant), so its vjp has no derivative along x.
    vjpTangent: () => {},
  };
}

export const im2colRule = linearRule<'im2col'>(
  (s, t) => im2colForward(s, t),
  (s, g, acc) =>
    eachIm2col(s, (o, i) => {
      if (i >= 0) acc[i] += g[o];
    }),
);

export const permuteRule = linearRule<'permute'>(
  (s, t) => permuteForward(s.shape, s.axes, t),
  (s, g, acc) => eachPermuted(s.shape, s.axes, (o, i) => (acc[i] += g[o])),
);

export const rowMaxRule = linearRule<'rowMax'>(
  (s, t) => {
    const out = allocF64(s.argmax.length);
    for (let r = 0; r < out.length; r++) out[r] = t[s.argmax[r]];
    return out;
  },
  (s, g, acc) => {
    for (let r = 0; r < g.length; r++) acc[s.argmax[r]] += g[r];
  },
);
