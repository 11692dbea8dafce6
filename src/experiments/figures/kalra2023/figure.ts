// phase-diagram: Kalra & Barkeshli's (2023) critical constants c_loss, c_sharp, c_barrier, c_max against depth/width.
import { FigureSpec, givenWidths } from '../spec';
import { PHASE_DIAGRAM_DEFAULTS, PHASE_DIAGRAM_FULL, PhaseDiagramOptions } from './options';
import { reportPhaseDiagram } from './report';
import { PARTIAL_FILE, PhaseDiagramData, PhaseSweep, computePhaseDiagram, resumableSweeps } from './sweeps';

export const phaseDiagram: FigureSpec<PhaseDiagramOptions, PhaseDiagramData, PhaseSweep[]> = {
  id: 'phase-diagram',
  title: 'Kalra & Barkeshli (2023): the early-training phase diagram in c = η·λ_H0 against depth/width',
  suite: 'phases',
  weight: 3,
  sweepsWidths: true,
  takesDataset: true,
  defaults: PHASE_DIAGRAM_DEFAULTS,
  full: PHASE_DIAGRAM_FULL,
  // --seed shifts the seeds (seed s runs s, s + 1, …), so that a rerun with another seed draws new nets.
  overrides: (run, o) => ({ seeds: o.seeds.map((_, i) => run.seed + i), ...givenWidths(run) }),
  compute: computePhaseDiagram,
  checkpoint: {
    load: (o, dir) => resumableSweeps(dir, o),
    save: (sweeps, o, dir) => dir.json(PARTIAL_FILE, { options: o, sweeps }),
  },
  reportTitle: (o) =>
    `The early-training phase diagram: d ∈ {${o.depths.join(', ')}}, w ∈ {${o.widths.join(', ')}}, ${o.panels.join(' and ')}`,
  report: reportPhaseDiagram,
};
