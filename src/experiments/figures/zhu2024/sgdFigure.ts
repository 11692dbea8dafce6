// sgd-catapults: SGD's loss spikes as catapults, in the top NTK eigenspace, and the AGOP alignment against the batch (Zhu et al., ICML 2024).
import { FigureSpec, seedAndWidth } from '../spec';
import { SGD_CATAPULT_DEFAULTS, SGD_CATAPULT_FULL, SgdCatapultOptions } from './options';
import { SgdCatapultData, computeSgdCatapults } from './sgdRuns';
import { reportSgdCatapults } from './sgdReport';

export const sgdCatapults: FigureSpec<SgdCatapultOptions, SgdCatapultData> = {
  id: 'sgd-catapults',
  title: 'Zhu et al. (2024): spikes in SGD are catapults; batch size against catapults, AGOP alignment and test accuracy',
  suite: 'quadratic',
  weight: 2,
  defaults: SGD_CATAPULT_DEFAULTS,
  full: SGD_CATAPULT_FULL,
  // --seed shifts the seeds (seed s runs s, s + 1, …).
  overrides: (run, o) => ({ ...seedAndWidth('width')(run), seeds: o.seeds.map((_, i) => run.seed + i) }),
  compute: computeSgdCatapults,
  reportTitle: (o) => `Catapults under SGD: batches ${o.batches.join(', ')} at η·λ0 = ${o.etaLambda0}, width ${o.width}`,
  report: reportSgdCatapults,
};
