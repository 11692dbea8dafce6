// Classification metrics of a model on a data set: its loss, accuracy and margins (multi-class one-hot, or binary ±1 labels).
import type { Tensor } from '../linalg/tensor';
import type { Model } from './model';
import type { Dataset } from '../data/dataset';
import { forwardPass } from './forward';

export interface Metrics {
  /** Fraction of rows classified correctly: argmax f = argmax Y (ties: the first index), or sign f = y for ±1 labels. */
  accuracy: number;
  /** Mean over rows of the margin: f[true class] − max over other classes of f, or y·f for ±1 labels (negative: misclassified). */
  meanMargin: number;
  /** The smallest margin over the rows (positive iff every row is classified correctly). */
  minMargin: number;
}

export interface Evaluation extends Metrics {
  /** The model's own loss (MSE, logistic or cross-entropy). */
  loss: number;
}

/**
 * Accuracy and margins of outputs f (m×k, row-major) against one-hot targets Y (m×k), or, when k = 1,
 * against labels y = ±1.
 *
 * @example
 * classification(Float64Array.of(0.9, 0.1, 0.2, 0.7), Float64Array.of(1, 0, 0, 1), 2, 2); // accuracy 1
 */
export function classification(f: Float64Array, Y: Float64Array, m: number, k: number): Metrics {
  let correct = 0,
    margin = 0,
    minMargin = Infinity;
  if (k === 1) {
    for (let i = 0; i < m; i++) {
      const yf = Y[i] * f[i];
      if (yf > 0) correct++;
      margin += yf;
      minMargin = Math.min(minMargin, yf);
    }
    return { accuracy: correct / m, meanMargin: margin / m, minMargin };
  }
  for (let i = 0; i < m; i++) {
    let fa = 0,
      ya = 0;
    for (let j = 1; j < k; j++) {
      if (f[i * k + j] > f[i * k + fa]) fa = j;
      if (Y[i * k + j] > Y[i * k + ya]) ya = j;
    }
    if (fa === ya) correct++;
    let other = -Infinity;
    for (let j = 0; j < k; j++) if (j !== ya && f[i * k + j] > other) other = f[i * k + j];
    margin += f[i * k + ya] - other;
    minMargin = Math.min(minMargin, f[i * k + ya] - other);
  }
  return { accuracy: correct / m, meanMargin: margin / m, minMargin };
}

/**
 * The outputs f(θ) (m×k, row-major) of the model at `params` on `data`, off the tape.
 *
 * @example
 * const f0 = outputsOf(model, init, data); // the initial function on data, e.g. to train f − f0
 */
export function outputsOf(model: Model, params: readonly Tensor[], data: Dataset): Float64Array {
  const { tape, f } = forwardPass(model, params, data);
  const out = Float64Array.from(f.value.data);
  tape.dispose();
  return out;
}

/** Loss, accuracy and margin of the model at `params` on `data`. */
export function evaluate(model: Model, params: readonly Tensor[], data: Dataset): Evaluation {
  const { tape, f, loss } = forwardPass(model, params, data);
  const [m, k] = f.value.shape;
  const result = { loss: loss.value.data[0], ...classification(f.value.data, data.Y.data, m, k) };
  tape.dispose();
  return result;
}
