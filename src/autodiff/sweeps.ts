// VJP (reverse sweep) and JVP (forward sweep) over one recorded tape, with the rules from rules.ts.
import { allocF64, freeF64 } from '../linalg/backend';
import { copyF64 } from '../linalg/tensor';
import { rules, Prim, Rule } from './rules';
import type { Node, Var } from './tape';

/**
 * How many sweeps have run since the process started (or the last reset). Tests use it to prove a
 * method costs one VJP and one JVP per step and never forms a Jacobian (which takes m·k sweeps).
 */
export const sweepCounts = { vjp: 0, jvp: 0 };

function checkLength(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`${what} has length ${got}, expected ${want}`);
}

/**
 * Jᵀw: pulls the cotangent `w` of `output` back to every parameter of the tape (in `tape.params`
 * order). Nodes recorded after `output` cannot influence it and are skipped.
 *
 * @example
 * const grads = vjp(loss, Float64Array.of(1)); // gradient of a scalar loss
 */
export function vjp(output: Var, w: Float64Array): Float64Array[] {
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
    const acc = (i: number): Float64Array | null => {
      const id = node.inputs[i];
      if (!tape.active[id]) return null;
      return (ct[id] ??= allocF64(tape.values[id].data.length));
    };
    (rules[node.prim] as Rule<Prim>).vjp({ node, g, x: inputs(node), y: tape.values[node.out], acc });
    // A cotangent is dead once propagated (the sweep made it and nothing else holds it): reuse its memory.
    freeF64(g);
    ct[node.out] = null;
  }
  return tape.params.map((id) => ct[id] ?? allocF64(tape.values[id].data.length));
}

/**
 * J v: pushes parameter tangents `v` (one array per entry of `tape.params`) forward to `output`,
 * over the nodes already on the tape; nothing is re-recorded.
 *
 * @example
 * const jv = jvp(f, [du, dv]);
 */
export function jvp(output: Var, v: readonly Float64Array[]): Float64Array {
  const tape = output.tape;
  checkLength('jvp tangent list', v.length, tape.params.length);
  sweepCounts.jvp++;
  const tan: (Float64Array | null)[] = new Array(tape.values.length).fill(null);
  tape.params.forEach((id, k) => {
    checkLength(`jvp tangent ${k}`, v[k].length, tape.values[id].data.length);
    tan[id] = v[k];
  });
  // Tangents the rules made (not the caller's v, not a rule passing its input through, as reshape does).
  const made = new Set<Float64Array>();
  for (const node of tape.nodes) {
    if (node.out > output.id) break;
    if (!tape.active[node.out]) continue;
    const t = node.inputs.map((i) => tan[i]);
    const x = node.inputs.map((i) => tape.values[i]);
    const out = (rules[node.prim] as Rule<Prim>).jvp({ node, t, x, y: tape.values[node.out] });
    if (out !== null && !t.includes(out)) made.add(out);
    tan[node.out] = out;
  }
  const result = tan[output.id] ?? allocF64(output.value.data.length);
  for (const m of made) if (m !== result) freeF64(m);
  return result;
}
