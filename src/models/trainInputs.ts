// What `train` refuses before it runs: unknown options, a model, data or initialization that do not fit together.
import { sizeOf, shapeString } from '../linalg/tensor';
import type { Tensor } from '../linalg/tensor';
import type { Dataset } from '../data/dataset';
import { CatapultInputError, describeValue, refuseUnknownKeys } from '../options';
import type { Model } from './model';
import { validateTargets } from './loss';
import { SCHEDULE_OPTIONS, TRAIN_OPTIONS } from './trainOptions';
import type { TrainHooks } from './records';

/** Every hook of a run, one entry per key of TrainHooks (the compiler holds the two equal). */
const HOOKS: Readonly<Record<keyof TrainHooks, true>> = {
  measureLambda: true,
  stopAtConvergence: true,
  batchLossOnly: true,
  rates: true,
  lambdaData: true,
  recordOutputs: true,
  recordParams: true,
  recordParamsEvery: true,
  stopWhen: true,
  watchParams: true,
  onStep: true,
  keepRecords: true,
  checkpoint: true,
  resume: true,
};

/** The keys `train` knows: η, the declared settings (TRAIN_OPTIONS, SCHEDULE_OPTIONS) and the hooks. */
export const TRAIN_OPTION_KEYS: readonly string[] = [
  'lr',
  ...Object.keys(TRAIN_OPTIONS),
  ...Object.keys(SCHEDULE_OPTIONS),
  ...Object.keys(HOOKS),
];

/** A tensor whose shape is a list of sizes and whose data hold exactly that many float64 values. */
function checkTensor(field: string, t: unknown): asserts t is Tensor {
  const shape = (t as Tensor | null)?.shape,
    data = (t as Tensor | null)?.data;
  if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0))
    throw new CatapultInputError(
      field,
      `${field} must be a tensor { shape, data } with a shape of sizes, got ${describeValue(shape ?? t)}`,
    );
  if (!(data instanceof Float64Array))
    throw new CatapultInputError(field, `${field}.data must be a Float64Array, got ${describeValue(data)}`);
  if (data.length !== sizeOf(shape))
    throw new CatapultInputError(field, `${field} holds ${data.length} values but its shape ${shapeString(shape)} needs ${sizeOf(shape)}`);
  if (!data.every(Number.isFinite)) throw new CatapultInputError(field, `${field} contains NaN or infinite values`);
}

/** X (m×d, d the model's inputs) and Y (m×k, k its outputs), m ≥ 1, finite, with targets the loss accepts. */
function checkData(field: string, data: Dataset, model: Model): void {
  if (data === null || typeof data !== 'object')
    throw new CatapultInputError(field, `${field} must be { X, Y }, got ${describeValue(data)}`);
  checkTensor(`${field}.X`, data.X);
  checkTensor(`${field}.Y`, data.Y);
  const [m, d] = data.X.shape,
    c = model.config;
  if (data.X.shape.length !== 2 || d !== c.inputDim)
    throw new CatapultInputError(`${field}.X`, `${field}.X must be m×${c.inputDim} (the model's inputs), got ${shapeString(data.X.shape)}`);
  if (m < 1) throw new CatapultInputError(`${field}.X`, `${field}.X has 0 rows; a run needs at least one sample`);
  if (data.Y.shape.length !== 2 || data.Y.shape[0] !== m || data.Y.shape[1] !== c.outputs)
    throw new CatapultInputError(
      `${field}.Y`,
      `${field}.Y must be ${m}×${c.outputs} (X's rows, the model's outputs), got ${shapeString(data.Y.shape)}`,
    );
  try {
    validateTargets(c.loss ?? 'mse', data);
  } catch (e) {
    throw new CatapultInputError(`${field}.Y`, (e as Error).message);
  }
}

/**
 * Refuses what `train` cannot run on, as a CatapultInputError naming the option or argument: an unknown option (a
 * misspelled `stpes` would otherwise leave the default in force), data whose arrays are shorter than their shapes, no
 * samples, non-finite values, or parameters that are not the model's.
 *
 * @example
 * checkTrainInputs(model, init, data, { lr: 0.1, steps: 10 }); // passes, or throws naming what is wrong
 */
export function checkTrainInputs(model: Model, init: readonly Tensor[], data: Dataset, options: object): void {
  refuseUnknownKeys('train options', options, TRAIN_OPTION_KEYS);
  if (model === null || typeof model !== 'object' || typeof model.forward !== 'function' || !Array.isArray(model.specs))
    throw new CatapultInputError('model', `model must be a Model from makeModel, got ${describeValue(model)}`);
  checkData('data', data, model);
  const lambdaData = (options as TrainHooks).lambdaData;
  if (lambdaData !== undefined) checkData('lambdaData', lambdaData, model);
  if (!Array.isArray(init) || init.length !== model.specs.length)
    throw new CatapultInputError('init', `init must hold the model's ${model.specs.length} parameter tensors, got ${describeValue(init)}`);
  model.specs.forEach((s, i) => {
    checkTensor(`init[${i}]`, init[i]);
    if (shapeString(init[i].shape) !== shapeString(s.shape))
      throw new CatapultInputError(
        `init[${i}]`,
        `init[${i}] (${s.name}) must have shape ${shapeString(s.shape)}, got ${shapeString(init[i].shape)}`,
      );
  });
}
