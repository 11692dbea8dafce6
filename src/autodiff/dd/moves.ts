// Data-movement rules in dd (gatherRule), and those of the convolution primitives: im2col and permute are fixed index maps, rowMax an argmax taken on the dd values.
import { freeF64 } from '../../linalg/backend';
import { DdTensor, ddAddAt, ddGet, ddSet, ddZeros } from '../../linalg/dd/tensor';
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
