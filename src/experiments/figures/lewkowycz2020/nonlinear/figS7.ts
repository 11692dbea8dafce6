// Fig. S7: a two-hidden-layer ReLU net on the single sample x = 1, y = 1 — λ at t·η = 100 against η, the trainability edge, dead neurons.
import { FigureSpec, seedAndWidth } from '../../spec';
import { FIGS7_DEFAULTS, FIGS7_FULL, FigS7Data, FigS7Options, computeFigS7 } from './figS7Runs';
import { reportFigS7 } from './figS7Report';

export const figS7: FigureSpec<FigS7Options, FigS7Data> = {
  id: 'figS7',
  title: 'Fig. S7: a two-hidden-layer ReLU net on one sample',
  suite: 'nonlinear',
  weight: 1,
  defaults: FIGS7_DEFAULTS,
  full: FIGS7_FULL,
  overrides: seedAndWidth('width'),
  compute: (o, ctx) => computeFigS7(o, ctx.progress),
  reportTitle: (o) => `Fig. S7: two hidden ReLU layers on one sample, width ${o.width}`,
  report: reportFigS7,
};
