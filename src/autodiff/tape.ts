// The tape: leaves (parameters and constants) and the primitive nodes recorded by a forward pass.
import { freeF64 } from '../linalg/backend';
import { Tensor } from '../linalg/tensor';
import type { Node, Prim, SavedOf } from './prims';

export type { Node } from './prims';

/** A value on a tape. Ops take and return Vars; the tape is reached through `v.tape`. */
export interface Var {
  readonly tape: Tape;
  readonly id: number;
  readonly value: Tensor;
}

/**
 * One forward pass. Values get increasing ids, so a node only reads smaller ids and a sweep over
 * `nodes` in order (JVP) or in reverse (VJP) visits everything in dependency order.
 */
export class Tape {
  readonly values: Tensor[] = [];
  readonly nodes: Node[] = [];
  /** Ids of the leaves that are differentiated with respect to, in creation order. */
  readonly params: number[] = [];
  /** True where the value depends on a parameter (so its cotangent or tangent can be non-zero). */
  readonly active: boolean[] = [];
  /** The recorded outputs whose memory the tape owns: not those that share an input's array (reshape). */
  private readonly owned: Float64Array[] = [];
  /** Tapes whose values this one reads as constants (a jet replay's source): disposed with it. */
  private readonly adopted: Tape[] = [];

  /** A leaf that derivatives are taken with respect to. */
  param(t: Tensor): Var {
    const v = this.leaf(t, true);
    this.params.push(v.id);
    return v;
  }

  /** A leaf with zero derivative (data, labels). */
  constant(t: Tensor): Var {
    return this.leaf(t, false);
  }

  /** Records `out = prim(inputs)`; called by the op constructors in ops.ts. */
  record<P extends Prim>(prim: P, inputs: readonly Var[], out: Tensor, saved: SavedOf<P>): Var {
    const ids = inputs.map((v) => {
      if (v.tape !== this) throw new Error(`${prim}: input comes from another tape`);
      return v.id;
    });
    const id = this.values.length;
    this.values.push(out);
    this.active.push(ids.some((i) => this.active[i]));
    this.nodes.push({ prim, inputs: ids, out: id, saved } as Node);
    if (!inputs.some((v) => v.value.data === out.data)) this.owned.push(out.data);
    return { tape: this, id, value: out };
  }

  /**
   * Returns the memory of every recorded output (not the leaves, which belong to the caller) for
   * reuse. Training calls it when a step is over; the tape and its Vars must not be used afterwards.
   */
  dispose(): void {
    for (const t of this.adopted.splice(0)) t.dispose();
    for (const d of this.owned) freeF64(d);
    this.owned.length = 0;
    this.values.length = 0;
    this.nodes.length = 0;
  }

  /**
   * Ties `source`'s lifetime to this tape's: a replay (replayJets) reads the source's recorded values as constants, so
   * the source may be disposed only when this tape is.
   */
  adopt(source: Tape): void {
    this.adopted.push(source);
  }

  private leaf(t: Tensor, active: boolean): Var {
    const id = this.values.length;
    this.values.push(t);
    this.active.push(active);
    return { tape: this, id, value: t };
  }
}
