// VJP (reverse sweep) and JVP (forward sweep) over one recorded tape, with the rules from rules.ts.
import { allocF64, freeF64 } from '../linalg/backend';
import { copyF64 } from '../linalg/tensor';
import { rules, Prim, Rule, Target, VjpCtx } from './rules';
import { addScaled } from './elementwise';
import type { Tensor } from '../linalg/tensor';
import type { Node, Tape, Var } from './tape';

/**
 * How many sweeps have run since the process started (or the last reset). Tests use it to prove a
 * method costs one VJP and one JVP per step and never forms a Jacobian (which takes m·k sweeps).
 */
export const sweepCounts = { vjp: 0, jvp: 0, hvp: 0 };

function checkLength(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`${what} has length ${got}, expected ${want}`);
}

/**
 * The `acc(i)` of a vjp or vjpTangent context: input i's entry in `store` (allocated zeroed on first use), or null when
 * the input is inactive and so has no cotangent.
 */
function accumulator(tape: Tape, node: Node, store: (Float64Array | null)[]) {
  return (i: number): Float64Array | null => {
    const id = node.inputs[i];
    if (!tape.active[id]) return null;
    return (store[id] ??= allocF64(tape.values[id].data.length));
  };
}

/**
 * Runs one node's vjp rule with its cotangent `g`, writing the inputs' cotangents into `store`. A first cotangent
 * is allocated unwritten (beta 0: the rule sets it, so no zero fill and no read), and an identity rule's `pass`
 * hands g over whole. Returns whether g was handed over (then the sweep must not free it). `vjp` and `hvp` share it.
 * Values in `skip` get no cotangent, as if inactive.
 */
function pullBack(
  tape: Tape,
  node: Node,
  store: (Float64Array | null)[],
  g: Float64Array,
  x: readonly Tensor[],
  y: Tensor,
  skip?: ReadonlySet<number>,
): boolean {
  let handedOver = false;
  const activeId = (i: number) => (tape.active[node.inputs[i]] && !skip?.has(node.inputs[i]) ? node.inputs[i] : -1);
  const ctx: VjpCtx<Prim> = {
    node,
    g,
    x,
    y,
    target: (i: number): Target | null => {
      const id = activeId(i);
      if (id < 0) return null;
      const a = store[id];
      if (a !== null) return { a, beta: 1 };
      return { a: (store[id] = allocF64(tape.values[id].data.length, false)), beta: 0 };
    },
    acc: accumulator(tape, node, store),
    pass: (i: number) => {
      const id = activeId(i);
      if (id < 0) return;
      const a = store[id];
      if (a === null) {
        store[id] = handedOver ? copyF64(g) : g;
        handedOver = true;
      } else addScaled({ a, beta: 1 }, 1, g);
    },
  };
  (rules[node.prim] as Rule<Prim>).vjp(ctx);
  return handedOver;
}

/**
 * Jᵀw: pulls the cotangent `w` of `output` back to every parameter of the tape (in `tape.params`
 * order). Nodes recorded after `output` cannot influence it and are skipped.
 *
 * @example
 * const grads = vjp(loss, Float64Array.of(1)); // gradient of a scalar loss
 */
export function vjp(output: Var, w: Float64Array): Float64Array[] {
  const ct = reverseSweep(output, w);
  return output.tape.params.map((id) => ct[id] ?? allocF64(output.tape.values[id].data.length));
}

/**
 * Jᵀw without the cotangents of the parameters in `skip` (null in their place, no gemm spent on them); before a node
 * whose output id is a key of `seen` pulls back, its output cotangent is handed to that callback (valid only then).
 *
 * @example
 * const g = vjpExcept(f, w, new Set([W.id]), new Map([[h.id, (gh) => keep(gh.slice())]])); // g[0] === null for W
 */
export function vjpExcept(
  output: Var,
  w: Float64Array,
  skip: ReadonlySet<number>,
  seen: ReadonlyMap<number, (g: Float64Array) => void>,
): (Float64Array | null)[] {
  const ct = reverseSweep(output, w, skip, seen);
  return output.tape.params.map((id) => (skip.has(id) ? null : (ct[id] ?? allocF64(output.tape.values[id].data.length))));
}

/** The reverse sweep of `vjp` and `vjpExcept`: every value's cotangent that reached a parameter (others freed). */
function reverseSweep(
  output: Var,
  w: Float64Array,
  skip?: ReadonlySet<number>,
  seen?: ReadonlyMap<number, (g: Float64Array) => void>,
): (Float64Array | null)[] {
  const tape = output.tape;
  checkLength('vjp cotangent', w.length, output.value.data.length);
  sweepCounts.vjp++;
  const ct: (Float64Array | null)[] = new Array(tape.values.length).fill(null);
  ct[output.id] = copyF64(w);
  const inputs = (node: Node) => node.inputs.map((i) => tape.values[i]);
  for (let n = tape.nodes.length - 1; n >= 0; n--) {
    const node = tape.nodes[n];
    const g = ct[node.out];
    if (node.out > output.id || g === null) continue;
    seen?.get(node.out)?.(g);
    // A cotangent is dead once propagated (the sweep made it and nothing else holds it): reuse its memory.
    if (!pullBack(tape, node, ct, g, inputs(node), tape.values[node.out], skip)) freeF64(g);
    ct[node.out] = null;
  }
  return ct;
}

/**
 * The tangent of every value up to `output` for parameter tangents `v`, by one forward sweep with the jvp
 * rules. `made` lists the arrays the rules allocated (not the caller's v, nor an input a rule passed through,
 * as reshape does), which the caller frees.
 */
function forwardTangents(
  output: Var,
  v: readonly (Float64Array | null)[],
  after?: TangentHook,
): { tan: (Float64Array | null)[]; made: Set<Float64Array> } {
  const tape = output.tape;
  checkLength('jvp tangent list', v.length, tape.params.length);
  const tan: (Float64Array | null)[] = new Array(tape.values.length).fill(null);
  tape.params.forEach((id, k) => {
    const vk = v[k];
    if (vk !== null) checkLength(`jvp tangent ${k}`, vk.length, tape.values[id].data.length);
    tan[id] = vk;
  });
  const made = new Set<Float64Array>();
  for (const node of tape.nodes) {
    if (node.out > output.id) break;
    if (!tape.active[node.out]) continue;
    const t = node.inputs.map((i) => tan[i]);
    const x = node.inputs.map((i) => tape.values[i]);
    const ruled = (rules[node.prim] as Rule<Prim>).jvp({ node, t, x, y: tape.values[node.out] });
    const out = after ? after(node, ruled) : ruled;
    if (out !== null && !t.includes(out)) made.add(out);
    tan[node.out] = out;
  }
  return { tan, made };
}

/** Adds to a node's tangent as its jvp rule made it (null: none), returning the tangent (a new array when it was null). */
export type TangentHook = (node: Node, out: Float64Array | null) => Float64Array | null;

/**
 * J v for parameter tangents of which some are null (zero, nothing spent on them), with `after` adding to each node's
 * tangent once its rule has made it.
 *
 * @example
 * const jv = jvpWith(f, [null, dV], (node, t) => t); // the identity hook: jvp(f, [0, dV])
 */
export function jvpWith(output: Var, v: readonly (Float64Array | null)[], after: TangentHook): Float64Array {
  sweepCounts.jvp++;
  const { tan, made } = forwardTangents(output, v, after);
  const result = tan[output.id] ?? allocF64(output.value.data.length);
  for (const m of made) if (m !== result) freeF64(m);
  return result;
}

/**
 * J v: pushes parameter tangents `v` (one array per entry of `tape.params`) forward to `output`,
 * over the nodes already on the tape; nothing is re-recorded.
 *
 * @example
 * const jv = jvp(f, [du, dv]);
 */
export function jvp(output: Var, v: readonly Float64Array[]): Float64Array {
  sweepCounts.jvp++;
  const { tan, made } = forwardTangents(output, v);
  const result = tan[output.id] ?? allocF64(output.value.data.length);
  for (const m of made) if (m !== result) freeF64(m);
  return result;
}

/**
 * Forward-over-reverse: the gradient ∇L and the Hessian-vector product H v of a scalar `loss`, exactly
 * (no finite differences). One forward sweep gives every value's tangent along v; one reverse sweep then
 * carries each cotangent g together with its tangent ġ, where ġ gets the vjp rule applied to ġ plus each
 * rule's `vjpTangent` (its own derivative along the input tangents).
 *
 * @example
 * const { grad, hv } = hvp(loss, [du, dv]);
 */
export function hvp(loss: Var, v: readonly Float64Array[]): { grad: Float64Array[]; hv: Float64Array[] } {
  const tape = loss.tape;
  checkLength('hvp output (a scalar loss)', loss.value.data.length, 1);
  sweepCounts.hvp++;
  const { tan, made } = forwardTangents(loss, v);
  const ct: (Float64Array | null)[] = new Array(tape.values.length).fill(null);
  const ctDot: (Float64Array | null)[] = new Array(tape.values.length).fill(null);
  ct[loss.id] = Float64Array.of(1);
  for (let n = tape.nodes.length - 1; n >= 0; n--) {
    const node = tape.nodes[n];
    const g = ct[node.out],
      gDot = ctDot[node.out];
    if (node.out > loss.id || g === null) continue;
    const rule = rules[node.prim] as Rule<Prim>;
    const x = node.inputs.map((i) => tape.values[i]),
      y = tape.values[node.out];
    // g is read again by vjpTangent below, so it is freed (or kept, when handed over) only afterwards.
    const gKept = pullBack(tape, node, ct, g, x, y);
    if (gDot !== null && !pullBack(tape, node, ctDot, gDot, x, y)) freeF64(gDot);
    const t = node.inputs.map((i) => tan[i]);
    if (t.some((ti) => ti !== null)) rule.vjpTangent({ node, g, t, x, y, acc: accumulator(tape, node, ctDot) });
    if (!gKept) freeF64(g);
    ct[node.out] = ctDot[node.out] = null;
  }
  for (const m of made) freeF64(m);
  const zeros = (id: number) => allocF64(tape.values[id].data.length);
  return { grad: tape.params.map((id) => ct[id] ?? zeros(id)), hv: tape.params.map((id) => ctDot[id] ?? zeros(id)) };
}
