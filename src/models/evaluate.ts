// Classification metrics of a model on a data set: MSE loss, accuracy (argmax of f against argmax of Y) and margins.
import type { Tensor } from '../linalg/tensor';
import type { Model } from './model';
import type { Dataset } from './data';
import { forwardPass } from './train';

export interface Evaluation {
  loss: number;
  /** Fraction of rows where argmax f equals argmax Y (ties: the first index). */
  accuracy: number;
  /** Mean over rows of f[true class] − max over other classes of f (negative: misclassified). */
  meanMargin: number;
}

/**
 * Accuracy and margin of outputs f (m×k, row-major) against one-hot targets Y (m×k).
 *
 * @example
 * classification(Float64Array.of(0.9, 0.1, 0.2, 0.7), Float64Array.of(1, 0, 0, 1), 2, 2); // accuracy 1
 */
export function classification(f: Float64Array, Y: Float64Array, m: number, k: number): { accuracy: number; meanMargin: number } {
  if (k < 2) throw new Error(`accuracy needs at least 2 output classes, got ${k}`);
  let correct = 0, margin = 0;
  for (let i = 0; i < m; i++) {
    let fa = 0, ya = 0;
    for (let j = 1; j < k; j++) {
      if (f[i * k + j] > f[i * k + fa]) fa = j;
      if (Y[i * k + j] > Y[i * k + ya]) ya = j;
    }
    if (fa === ya) correct++;
    let other = -Infinity;
    for (let j = 0; j < k; j++) if (j !== ya && f[i * k + j] > other) other = f[i * k + j];
    margin += f[i * k + ya] - other;
  }
  return { accuracy: correct / m, meanMargin: margin / m };
}

/** Loss, accuracy and margin of the model at `params` on `data`. */
export function evaluate(model: Model, params: readonly Tensor[], data: Dataset): Evaluation {
  const { tape, f, loss } = forwardPass(model, params, data);
  const [m, k] = f.value.shape;
  const result = { loss: loss.value.data[0], ...classification(f.value.data, data.Y.data, m, k) };
  tape.dispose();
  return result;
}
