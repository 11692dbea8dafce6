// The dd evaluator over a recorded float64 tape: forward values, VJP and JVP in double-double with the rules of dd/rules.ts.
import { dd, div } from '../../linalg/dd/arith';
import { DdTensor, ddFrom, ddGet, ddSet, ddZeros } from '../../linalg/dd/tensor';
import type { Prim } from '../rules';
import type { Tape } from '../tape';
import { DdRule, ddRules } from './rules';

/**
 * The dd value of every id of `tape`: the parameters from `params` (in `tape.params` order), the other leaves
 * (data, constants) as exact dd copies of their doubles, and every node recomputed in dd from its dd inputs.
 *
 * @example
 * const values = ddForward(tape, paramsDd); values[loss.id]; // the loss in dd
 */
export function ddForward(tape: Tape, params: readonly DdTensor[]): DdTensor[] {
  if (params.length !== tape.params.length) throw new Error(`ddForward: ${params.length} parameters for a tape with ${tape.params.length}`);
  const values: (DdTensor | undefined)[] = new Array(tape.values.length);
  tape.params.forEach((id, k) => {
    if (params[k].hi.length !== tape.values[id].data.length) throw new Error(`ddForward: parameter ${k} has the wrong length`);
    values[id] = params[k];
  });
  const recorded = new Set(tape.nodes.map((n) => n.out));
  tape.values.forEach((v, id) => {
    if (values[id] === undefined && !recorded.has(id)) values[id] = ddFrom(v);
  });
  for (const node of tape.nodes) {
    const rule = ddRules[node.prim] as DdRule<Prim>;
    values[node.out] = rule.forward(
      node.inputs.map((i) => values[i]!),
      node,
      tape.values[node.out].shape,
    );
  }
  return values as DdTensor[];
}

/**
 * Jᵀw in dd: the cotangent `w` of value `outputId` pulled back to every parameter (in `tape.params` order).
 *
 * @example
 * const grads = ddVjp(tape, values, loss.id, ddOne);
 */
export function ddVjp(tape: Tape, values: readonly DdTensor[], outputId: number, w: DdTensor): DdTensor[] {
  const ct: (DdTensor | null)[] = new Array(values.length).fill(null);
  ct[outputId] = { hi: w.hi.slice(), lo: w.lo.slice(), shape: values[outputId].shape };
  for (let n = tape.nodes.length - 1; n >= 0; n--) {
    const node = tape.nodes[n],
      g = ct[node.out];
    if (node.out > outputId || g === null) continue;
    const acc = (i: number): DdTensor | null => {
      const id = node.inputs[i];
      if (!tape.active[id]) return null;
      return (ct[id] ??= ddZeros(values[id].shape));
    };
    (ddRules[node.prim] as DdRule<Prim>).vjp({ node, g, x: node.inputs.map((i) => values[i]), y: values[node.out], acc });
    ct[node.out] = null;
  }
  return tape.params.map((id) => ct[id] ?? ddZeros(values[id].shape));
}

/**
 * J v in dd: parameter tangents `v` pushed forward to value `outputId`.
 *
 * @example
 * const jv = ddJvp(tape, values, f.id, tangents);
 */
export function ddJvp(tape: Tape, values: readonly DdTensor[], outputId: number, v: readonly DdTensor[]): DdTensor {
  const tan: (DdTensor | null)[] = new Array(values.length).fill(null);
  tape.params.forEach((id, k) => (tan[id] = v[k]));
  for (const node of tape.nodes) {
    if (node.out > outputId) break;
    if (!tape.active[node.out]) continue;
    const t = node.inputs.map((i) => tan[i]);
    if (t.every((x) => x === null)) continue;
    tan[node.out] = (ddRules[node.prim] as DdRule<Prim>).jvp({ node, t, x: node.inputs.map((i) => values[i]), y: values[node.out] });
  }
  return tan[outputId] ?? ddZeros(values[outputId].shape);
}

/** Θw = J(Jᵀw)/(k·m) in dd on the outputs `fId` (the NTK matvec of ntk.ts). */
export function ddNtkMatvec(tape: Tape, values: readonly DdTensor[], fId: number): (w: DdTensor) => DdTensor {
  const n = values[fId].hi.length;
  return (w) => {
    const jv = ddJvp(tape, values, fId, ddVjp(tape, values, fId, w));
    const out = ddZeros([n]);
    for (let i = 0; i < n; i++) ddSet(out, i, div(ddGet(jv, i), dd(n)));
    return out;
  };
}
