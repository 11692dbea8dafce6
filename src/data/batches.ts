// Rows of a data set: subsets, the first rows, and SGD's minibatch rows (numpy-compatible permutations).
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
  if (!Number.isInteger(size) || size < 1) throw new Error(`--batch must be an integer ≥ 1, got ${size}`);
  if (size > m) throw new Error(`--batch must be at most the ${m} training rows, got ${size}`);
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
 * The training rows of a step: `data` itself for full batch (no rows, or all m in order: bitwise GD), else their subset.
 *
 * @example
 * const next = minibatchRows(m, 64, 0); const batch = stepData(data, next());
 */
export function stepData(data: Dataset, rows: Int32Array | null): Dataset {
  return rows === null || rows.length === data.X.shape[0] ? data : subset(data, rows);
}
