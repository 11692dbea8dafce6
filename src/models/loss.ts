// The training losses (MSE, logistic, softmax cross-entropy), their target conventions and checks.
import { tensor, shapeString } from '../linalg/tensor';
import { ops, Var } from '../autodiff';
import type { Dataset } from '../data/dataset';

export type LossKind = 'mse' | 'logistic' | 'ce';
export const LOSSES: readonly LossKind[] = ['mse', 'logistic', 'ce'];

/**
 * The loss of outputs f (m×k) against targets y, all normalized by 1/m over the samples: MSE 1/(2km)Σ(f − y)²,
 * logistic 1/m Σ log(1 + e^(−y f)) with k = 1 and y = ±1, cross-entropy 1/m Σ_i (logΣ_j e^(f_ij) − Σ_j y_ij f_ij).
 */
export function lossOf(kind: LossKind, f: Var, y: Var): Var {
  switch (kind) {
    case 'mse':
      return ops.mseLoss(f, y);
    case 'logistic':
      return ops.logisticLoss(f, y);
    case 'ce':
      return ops.crossEntropyLoss(f, y);
  }
}

/** Checks the targets suit the loss (one line naming the first bad entry). */
export function validateTargets(kind: LossKind, data: Dataset): void {
  const Y = data.Y.data,
    [m, k] = data.Y.shape;
  if (kind === 'logistic') {
    if (k !== 1)
      throw new Error(
        `logistic loss needs one target column of ±1 labels, got Y of shape ${shapeString(data.Y.shape)} (2-class one-hot targets are converted by setup)`,
      );
    const bad = Y.findIndex((v) => v !== 1 && v !== -1);
    if (bad >= 0) throw new Error(`logistic loss needs labels ±1, got ${Y[bad]} in row ${bad} of ${data.source}`);
  } else if (kind === 'ce') {
    if (k < 2) throw new Error(`cross-entropy needs at least 2 classes (one-hot target columns), got ${k}`);
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < k; j++) {
        const v = Y[i * k + j];
        if (!(v >= 0)) throw new Error(`cross-entropy targets must be non-negative, got ${v} in row ${i} of ${data.source}`);
        s += v;
      }
      if (Math.abs(s - 1) > 1e-12) throw new Error(`cross-entropy target rows must sum to 1, row ${i} of ${data.source} sums to ${s}`);
    }
  }
}

/**
 * Two-class one-hot targets (m×2) as ±1 labels (m×1): the second class is +1. Other targets pass through.
 *
 * @example
 * binaryLabels(data).Y.data; // one-hot rows [1, 0], [0, 1] → −1, +1
 */
export function binaryLabels(data: Dataset): Dataset {
  const [m, k] = data.Y.shape;
  if (k !== 2) return data;
  const Y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const a = data.Y.data[2 * i],
      b = data.Y.data[2 * i + 1];
    if (!((a === 1 && b === 0) || (a === 0 && b === 1)))
      throw new Error(`row ${i} of ${data.source} is not one-hot, so it has no ±1 label`);
    Y[i] = b === 1 ? 1 : -1;
  }
  return { X: data.X, Y: tensor([m, 1], Y), source: `${data.source}, labels ±1` };
}
