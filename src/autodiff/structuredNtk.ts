// The dense empirical NTK J Jᵀ from k reverse sweeps and Gram products, where every parameter enters by one per-example product.
import { freeF64 } from '../linalg/backend';
import { kernels } from '../linalg/kernels';
import { vjpExcept } from './sweeps';
import type { Node, Var } from './tape';

/**
 * Where a parameter meets the data: the node that consumes it (through any chain of `scale`s, whose product is
 * `factor`), either a matmul y = A·op(W) with A's rows the examples, or the bias of an addBias z = h + b.
 */
interface Entry {
  node: Node;
  factor: number;
}

/** The only node consuming value `id` up to `outId`, or undefined when there are none, or null when several. */
function soleConsumer(nodes: readonly Node[], id: number, outId: number): Node | undefined | null {
  let found: Node | undefined;
  for (const node of nodes) {
    if (node.out > outId || !node.inputs.includes(id)) continue;
    if (found !== undefined || node.inputs.indexOf(id) !== node.inputs.lastIndexOf(id)) return null;
    found = node;
  }
  return found;
}

/**
 * Each parameter's entry (see {@link Entry}); undefined for a parameter f does not depend on; null when some
 * parameter is used another way (shared, as a left operand, in a matmul whose rows are not the m examples...).
 */
function entries(f: Var, m: number): (Entry | undefined)[] | null {
  const tape = f.tape;
  const found: (Entry | undefined)[] = [];
  for (const param of tape.params) {
    let id = param,
      factor = 1,
      entry: Entry | undefined | null;
    for (;;) {
      const node = soleConsumer(tape.nodes, id, f.id);
      if (node === undefined || node === null) {
        entry = node;
        break;
      }
      if (node.prim === 'scale' && node.inputs[0] === id) {
        factor *= (node.saved as { alpha: number }).alpha;
        id = node.out;
        continue;
      }
      const s = node.saved as { transA?: boolean; M?: number; alpha?: number };
      const rows = tape.values[node.inputs[0]].shape[0];
      const perExample = node.inputs[1] === id && rows === m;
      if (node.prim === 'matmul' && perExample && !s.transA && s.M === m) entry = { node, factor: factor * (s.alpha ?? 1) };
      else if (node.prim === 'addBias' && perExample) entry = { node, factor };
      else entry = null;
      break;
    }
    if (entry === null) return null;
    found.push(entry);
  }
  return found;
}

/** C (N×N) = G·Gᵀ for G of N rows × n columns, row-major, by the kernel gemm (its fixed order over the n columns). */
function gram(G: Float64Array, N: number, n: number): Float64Array {
  const C = new Float64Array(N * N);
  kernels.dgemm(false, true, N, N, n, 1, G, n, 1, 0, G, n, 1, 0, 0, C, N, 1, 0);
  return C;
}

/**
 * The per-example cotangents at each entry's output, for every output class: for class a the sweep pulls back 1 at
 * (i, a) for every example i at once, which is each example's own ∂f_a(x_i)/∂y_i when examples do not interact.
 * Row i·k + a of the result for an entry with n columns holds example i's cotangent for class a.
 */
function classCotangents(f: Var, list: readonly Entry[], m: number, k: number): Map<number, Float64Array> {
  const tape = f.tape;
  const byOut = new Map<number, Float64Array>();
  for (const e of list) byOut.set(e.node.out, new Float64Array(m * k * tape.values[e.node.out].shape[1]));
  const w = new Float64Array(m * k);
  for (let a = 0; a < k; a++) {
    for (let i = 0; i < m; i++) w[i * k + a] = 1;
    const seen = new Map(
      [...byOut].map(([id, G]) => {
        const n = G.length / (m * k);
        const keep = (g: Float64Array) => {
          for (let i = 0; i < m; i++) G.set(g.subarray(i * n, (i + 1) * n), (i * k + a) * n);
        };
        return [id, keep] as const;
      }),
    );
    // The parameters' own cotangents are not needed: skip their gemms.
    const grads = vjpExcept(f, w, new Set(tape.params), seen);
    for (const g of new Set(grads)) if (g !== null) freeF64(g);
    w.fill(0);
  }
  return byOut;
}

/**
 * Multiply-adds of {@link structuredNtk}'s Gram products ((mk)²·n per layer of n outputs, m²·K for its input), beside
 * its k reverse sweeps; null when f's tape is not of the structured form.
 *
 * @example
 * structuredNtkCost(f); // ≈ 5.4e10 for a width-2048 one-hidden-layer net on 512 digits × 10 classes
 */
export function structuredNtkCost(f: Var): number | null {
  const shape = f.value.shape;
  if (shape.length !== 2) return null;
  const [m, k] = shape;
  const found = entries(f, m);
  if (found === null) return null;
  const values = f.tape.values;
  return found.reduce((sum, e) => {
    if (e === undefined) return sum;
    const gram = (m * k) ** 2 * values[e.node.out].shape[1];
    return sum + gram + (e.node.prim === 'matmul' ? m * m * values[e.node.inputs[0]].shape[1] : 0);
  }, 0);
}

/**
 * The dense train NTK Θ = J Jᵀ of f (m examples × k outputs, row-major (i, a), unscaled) in structured form, or null
 * when f's tape is not of that form. Every parameter W must enter through one product y = A·op(W) whose rows are
 * the examples, or as a bias, each scaled by constants: then ∂f_a(x_i)/∂W = c·A_iᵀ g_ia with g_ia the cotangent at
 * y, and Θ = Σ_W c²·(A Aᵀ ⊗ 1_k1_kᵀ) ⊙ (G Gᵀ) (A Aᵀ replaced by ones for a bias). That costs k reverse sweeps and
 * one Gram product a layer — (mk)²·n multiply-adds where the column-by-column build streams the whole network m·k
 * times (neural-tangents' "structured derivatives"). The layers are summed in parameter order.
 *
 * @example
 * const theta = structuredNtk(f); // f: 20 examples × 3 outputs of an MLP → 60 × 60, or null for a batch-norm net
 */
export function structuredNtk(f: Var): Float64Array | null {
  const shape = f.value.shape;
  if (shape.length !== 2) return null;
  const [m, k] = shape,
    N = m * k;
  const found = entries(f, m);
  if (found === null) return null;
  const list = found.filter((e): e is Entry => e !== undefined);
  const cotangents = classCotangents(f, list, m, k);
  const theta = new Float64Array(N * N);
  for (const e of list) {
    const G = cotangents.get(e.node.out)!;
    const C = gram(G, N, G.length / N);
    const A = e.node.prim === 'matmul' ? f.tape.values[e.node.inputs[0]] : null;
    const S = A === null ? null : gram(A.data, m, A.shape[1]);
    const c2 = e.factor * e.factor;
    for (let p = 0; p < N; p++) {
      const rowS = S === null ? 0 : Math.floor(p / k) * m;
      for (let q = 0; q < N; q++) theta[p * N + q] += c2 * (S === null ? 1 : S[rowS + Math.floor(q / k)]) * C[p * N + q];
    }
  }
  // Gram products are symmetric only up to the gemm's blocking: mirror the lower triangle so Θ is exactly symmetric.
  for (let p = 0; p < N; p++) for (let q = 0; q < p; q++) theta[q * N + p] = theta[p * N + q];
  return theta;
}
