// Rows of a data set: subsets, the first rows, and the SGD minibatch sampler (numpy-compatible permutations).
import { tensor } from '../linalg/tensor';
import { RandomState } from '../random/randomState';
import type { Dataset } from './dataset';

/**
 * The rows `idx` of a data set (copies).
 *
 * @example
 * const two = subset(data, [0, 5]);
 */
export function subset(data: Dataset, idx: ArrayLike<number>, source = data.source): Dataset {
  const [d, k] = [data.X.shape[1], data.Y.shape[1]];
  const X = new Float64Array(idx.length * d),
    Y = new Float64Array(idx.length * k);
  for (let i = 0; i < idx.length; i++) {
    X.set(data.X.data.subarray(idx[i] * d, (idx[i] + 1) * d), i * d);
    Y.set(data.Y.data.subarray(idx[i] * k, (idx[i] + 1) * k), i * k);
  }
  return { X: tensor([idx.length, d], X), Y: tensor([idx.length, k], Y), source };
}

/** The first `k` rows (class-balanced for the interleaved subsets of `loadClassification`). */
export function firstRows(data: Dataset, k: number): Dataset {
  return subset(
    data,
    Array.from({ length: k }, (_, i) => i),
    `${data.source} (first ${k})`,
  );
}

/**
 * The rows of SGD's minibatches: epoch e is the e-th `permutation(m)` drawn from one `RandomState(seed)` (numpy:
 * `rs = np.random.RandomState(seed)`, then `rs.permutation(m)` at the start of every epoch), cut into consecutive
 * batches of `size`; a remainder smaller than `size` is dropped, so every batch is full. A batch of all m rows is
 * the rows in order (full-batch GD, bitwise).
 *
 * @example
 * const next = minibatchRows(10, 4, 0); next(); next(); // two batches of 4 rows; the third call starts epoch 1
 */
export function minibatchRows(m: number, size: number, seed: number): () => Int32Array {
  if (!Number.isInteger(size) || size < 1 || size > m) throw new Error(`batch size must be an integer in [1, ${m}], got ${size}`);
  if (size === m) {
    const all = Int32Array.from({ length: m }, (_, i) => i);
    return () => all;
  }
  const rng = new RandomState(seed);
  let order = rng.permutation(m),
    pos = 0;
  return () => {
    if (pos + size > m) {
      order = rng.permutation(m);
      pos = 0;
    }
    pos += size;
    return Int32Array.from(order.subarray(pos - size, pos));
  };
}

/**
 * Minibatches for SGD over the rows of `minibatchRows` (a batch of all m rows is `data` itself).
 *
 * @example
 * const next = minibatches(data, 64, 0); const batch = next();
 */
export function minibatches(data: Dataset, size: number, seed: number): () => Dataset {
  const m = data.X.shape[0];
  const rows = minibatchRows(m, size, seed);
  if (size === m) return () => data; // full batch: keep the rows in order, so the result is bitwise that of GD
  return () => subset(data, rows());
}
