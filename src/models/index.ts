// The models layer: architectures, losses, gradient-descent training, spectra and linearized models (data sets are in src/data).
export * from './model';
export * from './appliedConfig';
export * from './modelOptions';
export * from './layers';
export * from './trainOptions';
export * from './forward';
export * from './spectra';
export * from './phase';
export * from './uvExact';
export * from './train';
export { TRAIN_OPTION_KEYS, checkTrainInputs } from './trainInputs';
export * from './memory';
export * from './evaluate';
export * from './linearized';
export * from './linearizedFunctionSpace';
export * from './quadratic';
export * from './loss';
export * from './tangent';
export { trainDd } from './ddTrain';
export type { DdStepState } from './ddTrain';
export * from './optimizerOptions';
export {
  OPTIMIZER_RULES,
  OptimizerResume,
  OptimizerSettings,
  layerRates,
  makeDdOptimizer,
  makeOptimizer,
  optimizerSettings,
  paramRates,
} from './optimizers';
export * from './mup';
export { freshTally, checkTrainState } from './trainState';
export * from './agop';
export * from './spikeSpectra';
