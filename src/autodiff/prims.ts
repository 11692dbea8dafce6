// The primitive set as types: what each primitive saves, the tape's node, and the shape of a rule (rules.ts holds the table).
import type { Tensor } from '../linalg/tensor';
import type { ImageWindow } from '../linalg/im2col';

/**
 * Where an im2col reads: input (N, C, H, W), each image's window as the kernels' ImageWindow (a kh×kw window moved
 * by `stride`, the input offset by (padTop, padLeft) with zeros outside, giving oH×oW windows). Output row
 * (n, oh, ow), column (c, i, j).
 */
export interface Im2colGeometry extends ImageWindow {
  N: number;
}

/** The convolve primitive's geometry: an im2col's, and the O output channels of its (O, C, kh, kw) weights. */
export interface ConvGeometry extends Im2colGeometry {
  O: number;
}

/** What each primitive keeps from its forward pass (beyond input and output values). */
export interface SavedByPrim {
  add: null;
  sub: null;
  mul: null;
  neg: null;
  scale: { alpha: number };
  /**
   * out = alpha·op(A)·op(B); A is stored [M,K] (or [K,M] when transA), B is [K,N] (or [N,K]). alpha is the gemm's own
   * (a dense layer's NTK multiplier), so the product is not followed by a separate pass over its output.
   */
  matmul: { transA: boolean; transB: boolean; M: number; N: number; K: number; alpha: number };
  /** out[i,j] = x[i,j] + b[j]. */
  addBias: null;
  sum: null;
  mean: null;
  reshape: null;
  square: null;
  /** Nothing: the output is positive exactly where the input was, so both sweeps mask by the output. */
  relu: null;
  tanh: null;
  exp: null;
  log: null;
  softplus: null;
  /** Row-wise log Σ_j exp(x_ij) of a 2-D x (m×k), out of shape [m]; k is the row length. */
  logSumExp: { k: number };
  /** Patches of an (N, C, H, W) input as rows (n, oh, ow) × columns (c, i, j): convolution is this times a weight matrix. */
  im2col: Im2colGeometry;
  /** out (N, O, oH, oW) = W ⋆ x, the cross-correlation of x (N, C, H, W) with W (O, C, kh, kw): bilinear, no bias. */
  convolve: ConvGeometry;
  /** out.shape[d] = shape[axes[d]] for the input's `shape`. */
  permute: { shape: readonly number[]; axes: readonly number[] };
  /** The maximum of each row of a 2-D input; `argmax` is its flat position (the first one on ties). */
  rowMax: { argmax: Int32Array };
  /**
   * k×k max pooling at stride k, VALID, of an (N, C, H, W) input: `argmax` is each window's flat position in the input
   * (the first in row-major order on ties), `windows` the windows as an im2col of the (N·C, 1, H, W) planes.
   */
  maxPool2d: { argmax: Int32Array; windows: Im2colGeometry };
}
export type Prim = keyof SavedByPrim;
export type SavedOf<P extends Prim> = SavedByPrim[P];

/** A recorded primitive application: `out = prim(inputs; saved)`. Ids index `tape.values`. */
export interface Node<P extends Prim = Prim> {
  readonly prim: P;
  readonly inputs: readonly number[];
  readonly out: number;
  readonly saved: SavedOf<P>;
}

/**
 * Where a rule puts one input's cotangent: with `beta` 0 the input has none yet and `a` is unwritten (the rule
 * sets every entry, as a gemm with beta = 0 does); with `beta` 1 it adds into the sum in `a`.
 */
export interface Target {
  readonly a: Float64Array;
  readonly beta: 0 | 1;
}

/** Reverse-sweep context: each rule writes or adds its input cotangents through `target(i)` (null when input i is inactive). */
export interface VjpCtx<P extends Prim> {
  node: Node<P>;
  g: Float64Array;
  x: readonly Tensor[];
  y: Tensor;
  target(i: number): Target | null;
  /** Input i's cotangent to add into, zeroed on first use (simpler than `target` where a rule only accumulates). */
  acc(i: number): Float64Array | null;
  /** The identity rule's cotangent: g itself becomes input i's when it has none yet (no copy), else g is added to it. */
  pass(i: number): void;
}

/** Forward-sweep context: `t[i]` is the tangent of input i (null = zero); return the output tangent. */
export interface JvpCtx<P extends Prim> {
  node: Node<P>;
  t: readonly (Float64Array | null)[];
  x: readonly Tensor[];
  y: Tensor;
}

/**
 * Forward-over-reverse context: the derivative of the vjp rule along the input tangents `t`, at the
 * fixed cotangent `g`, added into `acc(i)` (the tangent of input i's cotangent). The other half of the
 * cotangent's tangent, the vjp rule applied to ġ, is the sweep's job, so linear primitives add nothing.
 */
export interface VjpTangentCtx<P extends Prim> {
  node: Node<P>;
  g: Float64Array;
  t: readonly (Float64Array | null)[];
  x: readonly Tensor[];
  y: Tensor;
  acc(i: number): Float64Array | null;
}

export interface Rule<P extends Prim> {
  vjp(c: VjpCtx<P>): void;
  jvp(c: JvpCtx<P>): Float64Array | null;
  /** d/dε of vjp(g; x + εt): zero for primitives that are linear in their inputs. */
  vjpTangent(c: VjpTangentCtx<P>): void;
}
