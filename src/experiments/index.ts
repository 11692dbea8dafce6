// The experiments layer: run setup, single training runs, learning-rate sweeps and result files.
export * from './setup';
export * from './lr';
export * from './run';
export * from './phaseSweep';
export * from './output';
export { VERSION } from './version';
