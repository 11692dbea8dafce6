// The library entry (`require('catapult')`): the engine, models, training, spectra, golden files and run setup.
export { Tensor, tensor, clone, sizeOf, shapeString, toNdarray, fromNdarray } from './linalg/tensor';
export { BACKENDS, BackendInfo, BackendName, backendInfo, initBackend, useBackend } from './linalg/backend';
export { lanczosTop } from './linalg/lanczos';
export { symmetricEigen } from './linalg/eigen';
export * from './autodiff';
export * from './models';
export * from './data';
export * from './options';
export { RandomState } from './random/randomState';
export { readNpy, writeNpy, parseNpy, serializeNpy } from './io/npy';
export { readNpz, writeNpz, parseNpz, serializeNpz } from './io/npz';
export { readIdx, parseIdx } from './io/idx';
export {
  Golden,
  GoldenConfig,
  GoldenMeta,
  OracleOptions,
  ORACLE_OPTIONS,
  GOLDEN_SCHEMA,
  GOLDEN_SCHEMA_VERSION,
  GOLDEN_SCHEMA_FILE,
  makeGolden,
  readGolden,
  writeGolden,
  sha256Tensors,
} from './experiments/oracle/golden';
export { CheckReport, Deviation, DIGITS_MARGIN, DIGITS_SLACK, allowance, checkGolden, deviation } from './experiments/oracle/goldenCheck';
export { PrecisionReport, PrecisionStep, GrowthFit, agreeingDigits, fitGrowth, precisionReport } from './experiments/run/precision';
export * as dd from './linalg/dd/arith';
export { DdTensor, ddFrom, ddRound, ddZeros } from './linalg/dd/tensor';
export { ddLanczosTop } from './linalg/dd/lanczos';
export { SETUP_OPTIONS, SetupInput, SetupOptions } from './experiments/run/setupOptions';
export { Setup, setup, saveParams } from './experiments/run/setup';
export { LrSpec, LrReference, formatLr, parseLr, parseLrGrid, resolveLr, resolveRunLr } from './experiments/run/lr';
export { RunOptions, RunSummary, runTraining } from './experiments/run/run';
export { SweepConfig, SweepResult, mergeSweeps, runSweep } from './experiments/sweep/sweep';
export { VERSION } from './experiments/run/version';
