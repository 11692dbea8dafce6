// The NTK matvec with Gram shortcuts: a weight used by one matmul only sends op(A)op(A)ᵀ·g to its output's tangent directly.
import { allocF64, freeF64 } from '../linalg/backend';
import { kernels } from '../linalg/kernels';
import { copyF64 } from '../linalg/tensor';
import { jvpWith, vjpExcept } from './sweeps';
import type { Node, Var } from './tape';

/** Largest Gram matrix formed, in entries (32 MB): past it the plain route is kept for that weight. */
export const GRAM_LIMIT = 1 << 22;

/**
 * A matmul C = alpha·op(A)·op(B) (M×N, inner K) whose weight (input `side`) is a parameter no other node reads. In J Jᵀ the
 * weight's cotangent op(A)ᵀg comes straight back as the tangent op(A)·op(A)ᵀg (B the weight; g·op(B)ᵀop(B) for A), so
 * with the Gram matrix, formed once per operator, a matvec spends 2M²N (or 2MN²) on it instead of 4MNK.
 */
interface GramNode {
  side: 0 | 1;
  /** The matmul's own multiplier: the weight's share of the tangent is alpha²·op(A)op(A)ᵀg. */
  alpha: number;
  M: number;
  N: number;
  gram: Float64Array;
}

/** How many nodes up to `f` read each value. */
function readers(f: Var): Int32Array {
  const uses = new Int32Array(f.tape.values.length);
  for (const node of f.tape.nodes) if (node.out <= f.id) for (const id of node.inputs) uses[id]++;
  return uses;
}

/** The Gram matrix of a matmul's non-weight operand, when it is smaller than the two gemms it saves; else null. */
function gramOf(f: Var, node: Node<'matmul'>, side: 0 | 1): Float64Array | null {
  const { transA, transB, M, N, K } = node.saved;
  const n = side === 1 ? M : N;
  if (n > K || n * n > GRAM_LIMIT) return null;
  const G = new Float64Array(n * n);
  const other = f.tape.values[node.inputs[1 - side]].data;
  // op(A)·op(A)ᵀ (A stored M×K, or K×M when transA) or op(B)ᵀ·op(B) (B stored K×N, or N×K when transB).
  if (side === 1) kernels.dgemm(transA, !transA, M, M, K, 1, other, transA ? M : K, 1, 0, other, transA ? M : K, 1, 0, 0, G, M, 1, 0);
  else kernels.dgemm(!transB, transB, N, N, K, 1, other, transB ? K : N, 1, 0, other, transB ? K : N, 1, 0, 0, G, N, 1, 0);
  return G;
}

/** The matmuls of f's tape that take the Gram route, by output id. */
function gramNodes(f: Var): Map<number, GramNode & { weight: number }> {
  const uses = readers(f);
  const params = new Set(f.tape.params);
  const found = new Map<number, GramNode & { weight: number }>();
  for (const node of f.tape.nodes) {
    if (node.out > f.id || node.prim !== 'matmul') continue;
    const mm = node as Node<'matmul'>;
    for (const side of [1, 0] as const) {
      const weight = mm.inputs[side];
      if (!params.has(weight) || uses[weight] !== 1 || found.has(mm.out)) continue;
      const gram = gramOf(f, mm, side);
      if (gram !== null) found.set(mm.out, { side, alpha: mm.saved.alpha, M: mm.saved.M, N: mm.saved.N, gram, weight });
    }
  }
  return found;
}

/**
 * w ↦ J Jᵀ w over f's tape (unscaled), with the Gram route for every weight that takes it and the reverse-then-forward
 * sweeps for the rest; null when no weight takes it. Equal to jvp(f, vjp(f, w)) up to rounding.
 *
 * @example
 * const op = gramNtkProduct(f); // then op?.(w, out) gives out = J Jᵀ w
 */
export function gramNtkProduct(f: Var): ((w: Float64Array, out: Float64Array) => void) | null {
  const nodes = gramNodes(f);
  if (nodes.size === 0) return null;
  const skip = new Set([...nodes.values()].map((n) => n.weight));
  const kept = new Map<number, Float64Array>();
  const seen = new Map([...nodes.keys()].map((out) => [out, (g: Float64Array) => void kept.set(out, copyF64(g))] as const));
  // The weight's share of the tangent of C: G·g (M×M times M×N) or g·G (M×N times N×N), added to what the rule made.
  const after = (node: Node, t: Float64Array | null): Float64Array | null => {
    const gn = nodes.get(node.out),
      g = kept.get(node.out);
    if (gn === undefined || g === undefined) return t;
    const { side, alpha, M, N, gram } = gn;
    const a2 = alpha * alpha;
    const out = t ?? allocF64(M * N, false);
    const beta = t === null ? 0 : 1;
    if (side === 1) kernels.dgemm(false, false, M, N, M, a2, gram, M, 1, 0, g, N, 1, 0, beta, out, N, 1, 0);
    else kernels.dgemm(false, false, M, N, N, a2, g, N, 1, 0, gram, N, 1, 0, beta, out, N, 1, 0);
    freeF64(g);
    kept.delete(node.out);
    return out;
  };
  return (w, out) => {
    const g = vjpExcept(f, w, skip, seen);
    const jv = jvpWith(f, g, after);
    out.set(jv);
    for (const x of new Set([...g, jv])) if (x !== null) freeF64(x);
  };
}
