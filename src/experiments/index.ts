// The experiments layer: run setup, single training runs, learning-rate sweeps and result files.
export * from './setup';
export * from './setupOptions';
export * from './lr';
export * from './run';
export * from './phaseSweep';
export * from '../io/output';
export { VERSION } from './version';
export * from './report';
export * from './stats';
export * from './bisect';
export * from './theory';
export * from './plot';
export * from './reproduce';
export * as figures from './figures';
export * from './golden';
export * from './goldenCheck';
export * from './sweep';
export * from './sweepPlot';
