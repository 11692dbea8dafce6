// Sadrtdinov et al. (2024): which initial learning rate of a scale-invariant net on the sphere gives the best model after fine-tuning or SWA (parts in sadrtdinov/).
import { FigureSpec, seedAndWidth } from '../spec';
import { SADRTDINOV_DEFAULTS, SADRTDINOV_FULL, SadrtdinovOptions } from './options';
import { reportSadrtdinov } from './report';
import { SadrtdinovData, SadrtdinovRun, computeSadrtdinov } from './runs';
import { writeTables } from './tables';

export const sadrtdinov: FigureSpec<SadrtdinovOptions, SadrtdinovData, SadrtdinovRun[]> = {
  takesDataset: true,
  id: 'sadrtdinov',
  title: 'Sadrtdinov et al.: the initial learning rate that gives the best model after fine-tuning or SWA',
  suite: 'followups',
  weight: 3,
  defaults: SADRTDINOV_DEFAULTS,
  full: SADRTDINOV_FULL,
  overrides: seedAndWidth('width'),
  compute: (o, ctx) => computeSadrtdinov(o, ctx.progress, (runs) => ctx.checkpoint(runs)),
  // The tables grow run by run, so an interrupted sweep keeps the runs that finished.
  checkpoint: { save: (runs, o, dir) => writeTables(dir, runs, o) },
  reportTitle: (o) =>
    `Sadrtdinov et al.: test accuracy after fine-tuning and SWA against the initial η (scale-invariant MLP, width ${o.width})`,
  report: reportSadrtdinov,
};
