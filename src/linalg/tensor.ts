// Float64 tensors: a contiguous row-major Float64Array with a shape (the fast path), plus ndarray interop.
import ndarray from 'ndarray';
import { allocF64 } from './backend';

/** A dense row-major float64 tensor. `data.length` always equals the product of `shape`. */
export interface Tensor {
  readonly data: Float64Array;
  readonly shape: readonly number[];
}

/** Number of elements of a shape (1 for a scalar shape `[]`). */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

/** Checks that a shape is a list of non-negative integers; throws a one-line error otherwise. */
export function assertShape(shape: readonly number[], what = 'shape'): void {
  for (const s of shape) {
    if (!Number.isInteger(s) || s < 0) throw new Error(`${what} [${shape.join(', ')}] is not a list of non-negative integers`);
  }
}

/**
 * Makes a tensor, zero-filled or wrapping `data` without copying.
 *
 * @example
 * const t = tensor([2, 3]);           // 2×3 zeros
 * const u = tensor([3], new Float64Array([1, 2, 3]));
 */
export function tensor(shape: readonly number[], data?: Float64Array): Tensor {
  assertShape(shape);
  const n = sizeOf(shape);
  if (data === undefined) data = new Float64Array(n);
  else if (data.length !== n) throw new Error(`data of length ${data.length} does not fit shape [${shape.join(', ')}]`);
  return { data, shape: shape.slice() };
}

/** A copy of `x` in kernel memory, to be freed by its owner with `freeF64` (`slice()` would land in JS memory). */
export function copyF64(x: Float64Array): Float64Array {
  const out = allocF64(x.length);
  out.set(x);
  return out;
}

/** Same shape, copied data (in JS memory). */
export function clone(t: Tensor): Tensor {
  return { data: t.data.slice(), shape: t.shape.slice() };
}

/** A tensor of recorded values in kernel memory: the tape owns it and `Tape.dispose` frees it. */
export function kernelTensor(shape: readonly number[], zero = true): Tensor {
  return tensor(shape, allocF64(sizeOf(shape), zero));
}

/** True when two shapes are equal. */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Formats a shape as numpy would print it, e.g. `(3, 4)`. */
export function shapeString(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/** A strided `ndarray` view on the tensor's data (no copy), for interop with the ndarray ecosystem. */
export function toNdarray(t: Tensor): ndarray.NdArray<Float64Array> {
  return ndarray(t.data, t.shape.slice());
}

/** Copies any (possibly strided) float64 `ndarray` view into a contiguous row-major tensor. */
export function fromNdarray(a: ndarray.NdArray<Float64Array>): Tensor {
  const shape = a.shape.slice();
  const out = tensor(shape);
  const d = shape.length;
  const idx = new Array<number>(d).fill(0);
  const n = out.data.length;
  for (let k = 0; k < n; k++) {
    out.data[k] = a.get(...idx);
    for (let j = d - 1; j >= 0; j--) {
      if (++idx[j] < shape[j]) break;
      idx[j] = 0;
    }
  }
  return out;
}
