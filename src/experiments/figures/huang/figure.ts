// Huang, Du, Xu & Liu: deep linear nets, logistic loss, data of three separations — the catapult window and its flatness (parts in huang/).
import { FigureSpec, seedAndWidth } from '../spec';
import { HUANG_DEFAULTS, HUANG_FULL, HuangOptions } from './options';
import { reportHuang } from './report';
import { HuangData, computeHuang } from './settings';

export const huang: FigureSpec<HuangOptions, HuangData> = {
  id: 'huang',
  title: 'Huang et al.: the catapult phase of deep linear nets under logistic loss, by separation of the data',
  suite: 'followups',
  weight: 2,
  defaults: HUANG_DEFAULTS,
  full: HUANG_FULL,
  overrides: seedAndWidth('width'),
  compute: (o, ctx) => computeHuang(o, ctx.progress),
  reportTitle: () => 'Huang et al.: deep linear networks, logistic loss, catapult phase by data separation',
  report: (d, o, out) => reportHuang(d, out),
};
