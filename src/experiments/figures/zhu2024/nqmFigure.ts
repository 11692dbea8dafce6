// nqm: the network, its neural quadratic model and its linearization across η·λ0 (Zhu, Liu, Radhakrishnan, Belkin, ICLR 2024).
import { FigureSpec, seedAndWidth } from '../spec';
import { NQM_DEFAULTS, NQM_FULL, NqmOptions } from './options';
import { NqmData, computeNqm } from './nqmRuns';
import { reportNqm } from './nqmReport';

export const nqm: FigureSpec<NqmOptions, NqmData> = {
  id: 'nqm',
  title: 'Zhu et al. (2024): the catapult in the neural quadratic model, against the network and its linearization',
  suite: 'quadratic',
  weight: 2,
  takesDataset: true,
  defaults: NQM_DEFAULTS,
  full: NQM_FULL,
  // --seed shifts the seeds (seed s runs s, s + 1, …).
  overrides: (run, o) => ({ ...seedAndWidth('width')(run), seeds: o.seeds.map((_, i) => run.seed + i) }),
  compute: computeNqm,
  reportTitle: (o) => `The neural quadratic model of a width-${o.width} ${o.act} net: phases and test accuracy across η·λ0`,
  report: reportNqm,
};
