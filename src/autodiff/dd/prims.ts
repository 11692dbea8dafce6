// The shape of a double-double rule and its sweep contexts (rules.ts holds the table, moves.ts the data-movement rules).
import type { DdTensor } from '../../linalg/dd/tensor';
import type { Node, Prim } from '../prims';

/** Reverse sweep in dd: add the input cotangents into `acc(i)` (null when input i is inactive). */
export interface DdVjpCtx<P extends Prim> {
  node: Node<P>;
  g: DdTensor;
  x: readonly DdTensor[];
  y: DdTensor;
  acc(i: number): DdTensor | null;
}

/** Forward sweep in dd: `t[i]` is input i's tangent (null = zero); return the output's (null = zero). */
export interface DdJvpCtx<P extends Prim> {
  node: Node<P>;
  t: readonly (DdTensor | null)[];
  x: readonly DdTensor[];
  y: DdTensor;
}

/**
 * A primitive in dd. `forward` recomputes the output from the dd inputs: the float64 node supplies only the graph and
 * the structural data in `saved` (shapes, constants); anything that depends on values (relu's mask, a pooling argmax)
 * is recomputed from the dd inputs, never read from the float64 record.
 */
export interface DdRule<P extends Prim> {
  /** `shape` is the recorded output's shape (structural, like `saved`). */
  forward(x: readonly DdTensor[], node: Node<P>, shape: readonly number[]): DdTensor;
  vjp(c: DdVjpCtx<P>): void;
  jvp(c: DdJvpCtx<P>): DdTensor | null;
}
