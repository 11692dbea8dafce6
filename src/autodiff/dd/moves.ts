// Data-movement rules in dd (gatherRule), and those of the convolution primitives: im2col and permute are fixed index maps, rowMax an argmax taken on the dd values, convolve a gather and a gemm.
import { freeF64 } from '../../linalg/backend';
import { DdTensor, ddAddAt, ddGemm, ddGet, ddSet, ddZeros } from '../../linalg/dd/tensor';
import { im2colForward, permuteForward } from '../gather';
import type { Im2colGeometry, Node, Prim } from '../prims';
import type { DdRule } from './prims';

/**
 * Where a linear data movement takes each output from: the movement applied to 1, 2, …, n (exact in float64
 * up to 2⁵³), minus one, so a padded output reads −1. Cached per recorded node: the map is fixed by the shapes.
 */
function indexMap<N extends object>(
  cache: WeakMap<N, Int32Array>,
  node: N,
  n: number,
  move: (iota: Float64Array) => Float64Array,
): Int32Array {
  let index = cache.get(node);
  if (index === undefined) {
    const moved = move(Float64Array.from({ length: n }, (_, i) => i + 1));
    index = Int32Array.from(moved, (v) => v - 1);
    freeF64(moved);
    cache.set(node, index);
  }
  return index;
}

/**
 * The rule of a pure data-movement primitive: output element i is input element `index[i]` (or 0 where the index
 * is −1), e.g. a reshape, transpose, im2col gather or a pooling window's argmax. Its vjp scatter-adds in increasing
 * i (the contract's order), its jvp gathers. `indexOf` may read the dd input (argmax) but must not read float64 values.
 *
 * @example
 * const im2colDd = gatherRule<'im2col'>((node) => node.saved.index);
 */
export function gatherRule<P extends Prim>(indexOf: (node: Node<P>, x: DdTensor) => Int32Array): DdRule<P> {
  const gather = (src: DdTensor, index: Int32Array, shape: readonly number[]) => {
    const out = ddZeros(shape);
    for (let i = 0; i < index.length; i++) if (index[i] >= 0) ddSet(out, i, ddGet(src, index[i]));
    return out;
  };
  return {
    forward: (x, node, shape) => gather(x[0], indexOf(node, x[0]), shape),
    vjp: (c) => {
      const a = c.acc(0);
      if (a === null) return;
      const index = indexOf(c.node, c.x[0]);
      for (let i = 0; i < index.length; i++) if (index[i] >= 0) ddAddAt(a, index[i], ddGet(c.g, i));
    },
    jvp: (c) => (c.t[0] === null ? null : gather(c.t[0], indexOf(c.node, c.x[0]), c.y.shape)),
  };
}

const im2colMaps = new WeakMap<Node<'im2col'>, Int32Array>();
const permuteMaps = new WeakMap<Node<'permute'>, Int32Array>();

/**
 * im2col in dd: the float64 rule's gather, as an index map.
 *
 * @example
 * ddRules.im2col.forward([x], node, node.out shape); // cols[(n,oh,ow),(c,i,j)] = x[n, c, oh·s + i − pad, …]
 */
export const ddIm2col: DdRule<'im2col'> = gatherRule<'im2col'>((node, x) =>
  indexMap(im2colMaps, node, x.hi.length, (iota) => im2colForward(node.saved as Im2colGeometry, iota)),
);

/** permute in dd: the axes' reordering as an index map. */
export const ddPermute: DdRule<'permute'> = gatherRule<'permute'>((node, x) =>
  indexMap(permuteMaps, node, x.hi.length, (iota) => permuteForward(node.saved.shape, node.saved.axes, iota)),
);

/** The largest entry of each row (first index on ties), found on the dd values, never on the float64 record. */
function ddRowArgmax(node: Node<'rowMax'>, x: DdTensor): Int32Array {
  const m = node.saved.argmax.length,
    k = x.hi.length / m,
    index = new Int32Array(m);
  const above = (i: number, j: number) => x.hi[i] > x.hi[j] || (x.hi[i] === x.hi[j] && x.lo[i] > x.lo[j]);
  for (let r = 0; r < m; r++) {
    let best = r * k;
    for (let j = r * k + 1; j < (r + 1) * k; j++) if (above(j, best)) best = j;
    index[r] = best;
  }
  return index;
}

/** rowMax in dd: a gather of each row's argmax. */
export const ddRowMax: DdRule<'rowMax'> = gatherRule<'rowMax'>(ddRowArgmax);

/** Each pooling window's largest entry (first in row-major order on ties), found on the dd values, as a flat position. */
function ddWindowArgmax(node: Node<'maxPool2d'>, x: DdTensor): Int32Array {
  const { N: planes, H, W, kh: k, oH, oW } = node.saved.windows,
    index = new Int32Array(planes * oH * oW);
  const above = (i: number, j: number) => x.hi[i] > x.hi[j] || (x.hi[i] === x.hi[j] && x.lo[i] > x.lo[j]);
  let r = 0;
  for (let q = 0; q < planes; q++)
    for (let oh = 0; oh < oH; oh++)
      for (let ow = 0; ow < oW; ow++, r++) {
        const corner = (q * H + oh * k) * W + ow * k;
        let best = corner;
        for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) if (above(corner + i * W + j, best)) best = corner + i * W + j;
        index[r] = best;
      }
  return index;
}

/** maxPool2d in dd: a gather of each window's argmax. */
export const ddMaxPool2d: DdRule<'maxPool2d'> = gatherRule<'maxPool2d'>(ddWindowArgmax);

const convolveMaps = new WeakMap<Node<'convolve'>, Int32Array>();

/**
 * convolve in dd, as the old composite: the batch's patches (n, oh, ow; c, i, j) by im2col's index map, one dd gemm
 * with Wᵀ, and the (n·P, O) result moved to NCHW. Its sums run in increasing k and (n, p), the float64 contract's order.
 */
function ddConvolveForward(node: Node<'convolve'>, x: DdTensor, W: DdTensor, b: DdTensor | null, shape: readonly number[]): DdTensor {
  const { N, O, oH, oW } = node.saved,
    P = oH * oW;
  const cols = ddPatches(node, x),
    K = cols.hi.length / (N * P),
    h = ddZeros([N * P, O]);
  if (b !== null) for (let r = 0; r < N * P; r++) for (let o = 0; o < O; o++) ddSet(h, r * O + o, ddGet(b, o));
  ddGemm(false, true, N * P, O, K, cols, W, h);
  const out = ddZeros(shape);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++) for (let p = 0; p < P; p++) ddSet(out, (n * O + o) * P + p, ddGet(h, (n * P + p) * O + o));
  return out;
}

/** The batch's patch matrix (N·oH·oW, C·kh·kw) of x, zeros where a window overhangs. */
function ddPatches(node: Node<'convolve'>, x: DdTensor): DdTensor {
  const { N, C, kh, kw, oH, oW } = node.saved;
  const index = indexMap(convolveMaps, node, x.hi.length, (iota) => im2colForward(node.saved, iota));
  const cols = ddZeros([N * oH * oW, C * kh * kw]);
  for (let i = 0; i < index.length; i++) if (index[i] >= 0) ddSet(cols, i, ddGet(x, index[i]));
  return cols;
}

/**
 * convolve in dd: forward and jvp by the gemm above (the bias as the gemm's starting value), vjp as the composite's
 * (dW = ghᵀ·cols, dcols = gh·W scattered back in increasing row order, db the sums over (n, p)).
 *
 * @example
 * ddRules.convolve.forward([x, W], node, [N, O, oH, oW]);
 */
export const ddConvolve: DdRule<'convolve'> = {
  forward: (x, node, shape) => ddConvolveForward(node, x[0], x[1], x.length > 2 ? x[2] : null, shape),
  vjp: (c) => {
    const { N, O, oH, oW } = c.node.saved,
      P = oH * oW;
    const gx = c.acc(0),
      gW = c.acc(1),
      gh = ddZeros([N * P, O]);
    for (let n = 0; n < N; n++)
      for (let o = 0; o < O; o++) for (let p = 0; p < P; p++) ddSet(gh, (n * P + p) * O + o, ddGet(c.g, (n * O + o) * P + p));
    const cols = ddPatches(c.node, c.x[0]),
      K = cols.hi.length / (N * P);
    if (gW !== null) ddGemm(true, false, O, K, N * P, gh, cols, gW);
    const gb = c.x.length > 2 ? c.acc(2) : null;
    if (gb !== null) for (let i = 0; i < c.g.hi.length; i++) ddAddAt(gb, Math.floor(i / P) % O, ddGet(c.g, i));
    if (gx !== null) {
      const dcols = ddZeros([N * P, K]);
      ddGemm(false, false, N * P, K, O, gh, c.x[1], dcols);
      const index = indexMap(convolveMaps, c.node, c.x[0].hi.length, (iota) => im2colForward(c.node.saved, iota));
      for (let i = 0; i < index.length; i++) if (index[i] >= 0) ddAddAt(gx, index[i], ddGet(dcols, i));
    }
  },
  jvp: (c) => {
    const [tx, tW] = c.t,
      tb = c.t.length > 2 ? c.t[2] : null,
      [x, W] = c.x;
    const parts = [
      tx === null ? null : ddConvolveForward(c.node, tx, W, null, c.y.shape),
      tW === null ? null : ddConvolveForward(c.node, x, tW, null, c.y.shape),
      tb === null ? null : ddConvolveForward(c.node, ddZeros(x.shape), W, tb, c.y.shape),
    ].filter((t): t is DdTensor => t !== null);
    if (parts.length === 0) return null;
    for (const t of parts.slice(1)) for (let i = 0; i < t.hi.length; i++) ddAddAt(parts[0], i, ddGet(t, i));
    return parts[0];
  },
};
