// Training sets: the warmup point (x = 1, y = 0), seeded synthetic Gaussian data, or X/Y arrays from an .npz file.
import { checkFits } from '../io/files';
import { Tensor, tensor, shapeString } from '../linalg/tensor';
import { RandomState } from '../random/randomState';
import { openNpzFile } from '../io/npz';

/** Inputs X (m×d) and targets Y (m×k). */
export interface Dataset {
  X: Tensor;
  Y: Tensor;
  /** Where it came from, for summaries. */
  source: string;
  /** (C, H, W) when X was given as images (m, C, H, W); X itself is kept as (m, C·H·W) in C order. */
  imageShape?: readonly number[];
}

/** The warmup model's single sample x = 1 with label y = 0 (paper §2.1). */
export function warmupData(): Dataset {
  return { X: tensor([1, 1], Float64Array.of(1)), Y: tensor([1, 1], Float64Array.of(0)), source: 'warmup: x = 1, y = 0' };
}

/**
 * m samples with x ~ N(0, I_d) and y ~ N(0, I_k), drawn from numpy's RandomState(seed) as
 * `X = rs.standard_normal((m, d)); Y = rs.standard_normal((m, k))`.
 */
export function gaussianData(m: number, d: number, k: number, seed: number): Dataset {
  for (const [v, what] of [
    [m, 'samples'],
    [d, 'input-dim'],
    [k, 'outputs'],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${what} must be a positive integer, got ${v}`);
  }
  checkFits(`Gaussian data of ${m} samples × ${d} inputs`, 8 * m * (d + k));
  const rng = new RandomState(seed);
  const X = tensor([m, d], rng.standardNormalArray(m * d));
  const Y = tensor([m, k], rng.standardNormalArray(m * k));
  return { X, Y, source: `gaussian: m = ${m}, d = ${d}, k = ${k}, data seed ${seed}` };
}

/** Checks X is m×d or images (m, C, H, W) (kept as m×C·H·W) and Y is m×k (a 1-D Y of length m is taken as m×1) with finite entries. */
export function validateData(X: Tensor, Y: Tensor, source: string): Dataset {
  const imageShape = X.shape.length === 4 ? X.shape.slice(1) : undefined;
  if (imageShape !== undefined) X = tensor([X.shape[0], imageShape[0] * imageShape[1] * imageShape[2]], X.data);
  if (X.shape.length !== 2) throw new Error(`${source}: X must be 2-D (m, d) or images (m, C, H, W), got shape ${shapeString(X.shape)}`);
  if (Y.shape.length === 1) Y = tensor([Y.shape[0], 1], Y.data);
  if (Y.shape.length !== 2) throw new Error(`${source}: Y must be 2-D (m, k), got shape ${shapeString(Y.shape)}`);
  if (Y.shape[0] !== X.shape[0]) throw new Error(`${source}: X has ${X.shape[0]} rows but Y has ${Y.shape[0]}`);
  if (X.shape[0] === 0 || X.shape[1] === 0 || Y.shape[1] === 0) throw new Error(`${source}: X and Y must be non-empty`);
  for (const [name, t] of [
    ['X', X],
    ['Y', Y],
  ] as const) {
    if (!t.data.every(Number.isFinite)) throw new Error(`${source}: ${name} contains NaN or infinite values`);
  }
  return imageShape ? { X, Y, source, imageShape } : { X, Y, source };
}

/**
 * Reads X (m×d) and Y (m×k) from an .npz file (other arrays in it are not read). The names are checked before anything
 * is inflated, and `beforeReading` sees the shapes the headers declare (a caller may refuse them) before X and Y are.
 *
 * @example
 * const data = readDataNpz('train.npz', (X, Y) => checkRun(X[0], X[1], Y[1] ?? 1));
 */
export function readDataNpz(path: string, beforeReading?: (xShape: readonly number[], yShape: readonly number[]) => void): Dataset {
  const archive = openNpzFile(path);
  if (!archive.names.includes('X') || !archive.names.includes('Y'))
    throw new Error(`${path}: needs arrays named X and Y, found ${archive.names.join(', ') || 'none'}`);
  beforeReading?.(archive.shape('X')!, archive.shape('Y')!);
  const arrays = archive.read(['X', 'Y']);
  return validateData(arrays.get('X')!, arrays.get('Y')!, path);
}
