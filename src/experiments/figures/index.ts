// The table of experiments: every figure, in the order `reproduce` runs its suite; `catapult figure <id>` looks them up here.
import { Figure, Suite } from './spec';
import { fig2 } from './fig2';
import { figS1 } from './figS1';
import { full } from './full';
import { figS12 } from './figS12';
import { boundaries } from './boundaries';
import { logn } from './logn';
import { figS7 } from './figS7';
import { figS8 } from './figS8';
import { figS10 } from './figS10';
import { fig3 } from './fig3';
import { fig4, fig4f0, fig6 } from './fig4';
import { figS13c } from './figS13c';
import { huang } from './huang';
import { haas } from './haas';
import { sadrtdinov } from './sadrtdinov';
import { fig1b, fig5ab, fig5cd } from './fig5';
import { fig3wrn, figS11 } from './fig3wrn';

export * from './spec';
export * from './output';
export * from './common';
export * from './fig2';
export * from './figS1';
export * from './full';
export * from './figS12';
export * from './boundaries';
export * from './logn';
export * from './figS7';
export * from './figS8';
export * from './figS10';
export * from './fig3';
export * from './fig4';
export * from './fig4Stats';
export { protocolText } from './fig4Report';
export * from './figS13c';
export * from './huang';
export * from './haas';
export * from './sadrtdinov';
export * from './convnets';
export * from './fig5';
export * from './fig3wrn';

/**
 * Every figure, once: each names its suite, and a suite runs its figures in this order (linear: issue 3; nonlinear: §3, §4,
 * SM C, SM F; followups: the logistic and cross-entropy papers; convolutional: Fig. 1b, 3d–f, 5). Adding a figure is its module plus one entry here.
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
];

const inSuite = (s: Suite) => FIGURE_TABLE.filter((f) => f.suite === s);

/** The figures of each suite, in table order (derived from the table, so no id is listed twice). */
export const SUITES: Record<Suite, readonly Figure[]> = {
  linear: inSuite('linear'),
  nonlinear: inSuite('nonlinear'),
  followups: inSuite('followups'),
  convolutional: inSuite('convolutional'),
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
