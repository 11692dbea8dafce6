// Haas et al. (2025): the maximal stable learning rate of SP ReLU MLPs against width, MSE (~n^-1) vs cross-entropy (~n^-1/2) (parts in haas/).
import { FigureSpec, givenWidths } from '../spec';
import { HaasFigureData, PARTIAL_FILE, computeHaasFigure, resumable } from './checkpoint';
import { HAAS_DEFAULTS, HAAS_FULL, HaasOptions } from './options';
import { reportHaas } from './report';
import type { EtaMax } from './runs';

export const haas: FigureSpec<HaasOptions, HaasFigureData, EtaMax[]> = {
  takesDataset: true,
  id: 'haas',
  title: 'Haas et al.: maximal stable learning rate against width, MSE vs cross-entropy',
  suite: 'followups',
  weight: 6,
  sweepsWidths: true,
  defaults: HAAS_DEFAULTS,
  full: HAAS_FULL,
  // Every seed of the study is shifted by the run's seed; the options have no seed of their own.
  overrides: (run, o) => ({ ...givenWidths(run), seeds: o.seeds.map((s) => s + run.seed) }),
  compute: computeHaasFigure,
  checkpoint: {
    load: (o, dir) => resumable(dir, o),
    save: (done, o, dir) => dir.json(PARTIAL_FILE, { options: o, results: done }),
  },
  reportTitle: () => 'Haas et al. (2025): maximal stable learning rate under standard width scaling',
  report: reportHaas,
};
