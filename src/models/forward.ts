// One forward pass of a model on a data set, recorded on a fresh tape, with the model's loss.
import type { Tensor } from '../linalg/tensor';
import { Tape, Var } from '../autodiff';
import type { Model } from './model';
import { lossOf } from './loss';
import type { Dataset } from '../data/dataset';

/**
 * One forward pass: the tape, f (m×k) and the model's loss (MSE unless `config.loss` says otherwise).
 *
 * @example
 * const { tape, f, loss } = forwardPass(model, params, data); … tape.dispose();
 */
export function forwardPass(model: Model, params: readonly Tensor[], data: Dataset): { tape: Tape; f: Var; loss: Var } {
  const tape = new Tape();
  const vars = params.map((p) => tape.param(p));
  const f = model.forward(vars, tape.constant(data.X));
  if (f.value.shape[1] !== data.Y.shape[1]) {
    throw new Error(`the model has ${f.value.shape[1]} outputs but the targets Y have ${data.Y.shape[1]} columns`);
  }
  return { tape, f, loss: lossOf(model.config.loss ?? 'mse', f, tape.constant(data.Y)) };
}
