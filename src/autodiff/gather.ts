// The data-movement primitives (im2col gather, axis permutation, row maximum, max pooling): kernels and rules, all linear or piecewise linear.
import { allocF64 } from '../linalg/backend';
import type { Im2colGeometry, Rule, SavedByPrim } from './prims';

export type { Im2colGeometry } from './prims';

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
 * The im2col copy in one direction: gather (cols[o] = x[i]) or its adjoint, a scatter-add (x[i] += cols[o]). Both walk
 * the output in row-major order (n, oh, ow; c, i, j), so the scatter adds in a fixed order and is reproducible.
 * Out-of-image taps (padding) are skipped, so the gather's target must start zeroed.
 */
function im2colCopy(g: Im2colGeometry, x: Float64Array, cols: Float64Array, scatter: boolean): void {
  const { N, C, H, W, kh, kw, stride, padTop, padLeft, oH, oW } = g;
  let o = 0;
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < oH; oh++)
      for (let ow = 0; ow < oW; ow++) {
        const w0 = ow * stride - padLeft;
        // The taps j with 0 ≤ w0 + j < W: the rest of the row reads padding.
        const jLo = Math.max(0, -w0),
          jHi = Math.min(kw, W - w0);
        for (let c = 0; c < C; c++)
          for (let i = 0; i < kh; i++, o += kw) {
            const ih = oh * stride + i - padTop;
            if (ih < 0 || ih >= H) continue;
            const base = ((n * C + c) * H + ih) * W + w0;
            if (scatter) for (let j = jLo; j < jHi; j++) x[base + j] += cols[o + j];
            else for (let j = jLo; j < jHi; j++) cols[o + j] = x[base + j];
          }
      }
}

/** cols[(n,oh,ow), (c,i,j)] = x[n, c, oh·s + i − padTop, ow·s + j − padLeft], 0 outside the input. */
export function im2colForward(g: Im2colGeometry, x: Float64Array): Float64Array {
  const out = allocF64(g.N * g.oH * g.oW * g.C * g.kh * g.kw);
  im2colCopy(g, x, out, false);
  return out;
}

/**
 * The permutation's copy in one direction: out[o] = x[i] or its adjoint x[i] += out[o], walking the output in C
 * order (last axis innermost, a strided run of the input), so the adjoint adds in a fixed order.
 */
function permuteCopy(shape: readonly number[], axes: readonly number[], x: Float64Array, out: Float64Array, scatter: boolean): void {
  const rank = shape.length,
    strides = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) strides[d] = strides[d + 1] * shape[d + 1];
  const outShape = axes.map((a) => shape[a]),
    outStrides = axes.map((a) => strides[a]);
  const total = out.length;
  if (total === 0) return;
  const inner = outShape[rank - 1],
    step = outStrides[rank - 1];
  const idx = new Array<number>(rank).fill(0);
  let inp = 0;
  for (let o = 0; o < total; o += inner) {
    if (scatter) for (let j = 0, i = inp; j < inner; j++, i += step) x[i] += out[o + j];
    else for (let j = 0, i = inp; j < inner; j++, i += step) out[o + j] = x[i];
    // Odometer over the outer output axes, keeping the input offset in step.
    for (let d = rank - 2; d >= 0; d--) {
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
  const out = allocF64(x.length, false);
  permuteCopy(shape, axes, x, out, false);
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

/**
 * k×k max pooling at stride k (VALID) of `planes` H×W planes: each window's maximum, and its flat position in x
 * (the first in row-major order on ties, as rowMax's). The windows do not overlap, so each entry has one reader.
 */
export function maxPoolForward(x: Float64Array, g: Im2colGeometry): { y: Float64Array; argmax: Int32Array } {
  const { N: planes, H, W, kh: k, oH, oW } = g;
  const y = allocF64(planes * oH * oW, false),
    argmax = new Int32Array(y.length);
  let r = 0;
  for (let q = 0; q < planes; q++)
    for (let oh = 0; oh < oH; oh++)
      for (let ow = 0; ow < oW; ow++, r++) {
        const corner = (q * H + oh * k) * W + ow * k;
        let best = corner,
          max = x[corner];
        for (let i = 0; i < k; i++)
          for (let j = 0, at = corner + i * W; j < k; j++, at++) {
            // `at` if x[at] > max (NaN never wins), by an integer mask: activations are random-signed, so a branch
            // here mispredicts half the time and doubles the pool's cost (9.7 → 5.8 ms on a 64×32×30×30 batch).
            const take = -(x[at] > max) | 0;
            best = (at & take) | (best & ~take);
            max = x[best];
          }
        argmax[r] = best;
        y[r] = max;
      }
  return { y, argmax };
}

/** A linear map's rule from its action on a vector (forward) and its transpose added into an accumulator. */
function linearRule<P extends 'im2col' | 'permute' | 'rowMax' | 'maxPool2d'>(
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
  (s, g, acc) => im2colCopy(s, acc, g, true),
);

export const permuteRule = linearRule<'permute'>(
  (s, t) => permuteForward(s.shape, s.axes, t),
  (s, g, acc) => permuteCopy(s.shape, s.axes, acc, g, true),
);

/** out[r] = t[argmax[r]], and its transpose acc[argmax[r]] += g[r]: the rule of a selection (rowMax, maxPool2d). */
const selectionRule = <P extends 'rowMax' | 'maxPool2d'>() =>
  linearRule<P>(
    (s, t) => {
      const out = allocF64(s.argmax.length);
      for (let r = 0; r < out.length; r++) out[r] = t[s.argmax[r]];
      return out;
    },
    (s, g, acc) => {
      const argmax = s.argmax;
      for (let r = 0; r < g.length; r++) acc[argmax[r]] += g[r];
    },
  );

export const rowMaxRule = selectionRule<'rowMax'>();
export const maxPool2dRule = selectionRule<'maxPool2d'>();
