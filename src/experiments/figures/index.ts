// The table of experiments: every figure, in the order `reproduce` runs its suite; `catapult figure <id>` looks them up here.
import { Figure, Suite } from './spec';
import {
  boundaries,
  fig1b,
  fig2,
  fig3,
  fig3wrn,
  fig4,
  fig4f0,
  fig5ab,
  fig5cd,
  fig6,
  figS1,
  figS7,
  figS8,
  figS10,
  figS11,
  figS12,
  figS13c,
  full,
  logn,
} from './lewkowycz2020';
import { huang } from './huang';
import { haas } from './haas';
import { sadrtdinov } from './sadrtdinov';
import { eosDigits, eosFlows, eosMomentum, eosSharpening } from './eos';
import { phaseDiagram } from './kalra2023';
import { nqm, sgdCatapults } from './zhu2024';

export * from './spec';
export { FIGURE_DATASET } from './common';

/**
 * Every figure, once: each names its suite, and a suite runs its figures in this order (linear: issue 3; nonlinear: §3, §4,
 * SM C, SM F; followups: the logistic and cross-entropy papers; convolutional: Fig. 1b, 3d–f, 5; eos: sharpening, flows, momentum, digits; phases: the d/w diagram; quadratic: the NQM, SGD's catapults). Adding a figure is its module plus one entry here.
 */
export const FIGURE_TABLE: readonly Figure[] = [
  fig2,
  figS1,
  full,
  figS12,
  boundaries,
  logn,
  figS7,
  fig3,
  fig4,
  fig6,
  fig4f0,
  figS13c,
  figS8,
  figS10,
  huang,
  haas,
  sadrtdinov,
  fig3wrn,
  figS11,
  fig5ab,
  fig5cd,
  fig1b,
  eosSharpening,
  eosFlows,
  eosMomentum,
  eosDigits,
  phaseDiagram,
  nqm,
  sgdCatapults,
];

const inSuite = (s: Suite) => FIGURE_TABLE.filter((f) => f.suite === s);

/** The figures of each suite, in table order (derived from the table, so no id is listed twice). */
export const SUITES: Record<Suite, readonly Figure[]> = {
  linear: inSuite('linear'),
  nonlinear: inSuite('nonlinear'),
  followups: inSuite('followups'),
  convolutional: inSuite('convolutional'),
  eos: inSuite('eos'),
  phases: inSuite('phases'),
  quadratic: inSuite('quadratic'),
};

/**
 * The figure with this id, or an error listing the known ids.
 * @example
 * const r = await runFigure(figureById('fig2'), 'out/fig2', 0);
 */
export function figureById(id: string): Figure {
  const f = FIGURE_TABLE.find((x) => x.id === id);
  if (!f) throw new Error(`unknown figure '${id}' (figures: ${FIGURE_TABLE.map((x) => x.id).join(', ')})`);
  return f;
}
