// The experiments layer, room by room: one training run (run/), golden files (oracle/), sweeps (sweep/), reports and
// plots (report/), and the papers' figures (figures/, one folder per paper, listed once in FIGURE_TABLE).
export * from './run/setup';
export * from './run/setupOptions';
export * from './run/lr';
export * from './run/run';
export * from './run/precision';
export * from './run/sharpness';
export * from './run/checkpoint';
export * from './run/trajectoryPrefix';
export { VERSION } from './run/version';
export * from './oracle/golden';
export * from './oracle/goldenCheck';
export * from './sweep/sweep';
export * from './sweep/sweepPlot';
export * from './sweep/phaseSweep';
export * from './sweep/critical';
export * from './sweep/criticalGrid';
export * from './sweep/uvBoundaries';
export * from './report/report';
export * from './report/stats';
export * from './report/plot';
export * from '../io/output';
export * from './figures/reproduce';
export * as figures from './figures';
export * from './run/spikes';
export * from './run/spikeReport';
