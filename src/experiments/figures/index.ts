// The paper's experiments (linear models, then nonlinear networks), by id: what `catapult figure <id>` and `catapult reproduce` run.
import type { Figure } from './common';
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
import { fig4, fig6 } from './fig4';
import { figS13c } from './figS13c';
import { huang } from './huang';
import { haas } from './haas';
import { sadrtdinov } from './sadrtdinov';

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
export * from './figS13c';
export * from './huang';
export * from './haas';
export * from './sadrtdinov';

/** The linear-model experiments (issue 3), in the order `reproduce` runs them. */
export const FIGURES: readonly Figure[] = [fig2, figS1, full, figS12, boundaries, logn];

/** The nonlinear-network experiments (§3, §4, SM C, SM F), in the order `reproduce --suite nonlinear` runs them. */
export const NONLINEAR_FIGURES: readonly Figure[] = [figS7, fig3, fig4, fig6, figS13c, figS8, figS10];

/** The follow-up papers' studies (logistic and cross-entropy losses), for `reproduce --suite followups`. */
export const FOLLOWUP_FIGURES: readonly Figure[] = [huang, haas, sadrtdinov];

export const SUITES = { linear: FIGURES, nonlinear: NONLINEAR_FIGURES, followups: FOLLOWUP_FIGURES } as const;
export type Suite = keyof typeof SUITES;

export function figureById(id: string): Figure {
  const all = [...FIGURES, ...NONLINEAR_FIGURES, ...FOLLOWUP_FIGURES];
  const f = all.find((x) => x.id === id);
  if (!f) throw new Error(`unknown figure '${id}' (figures: ${all.map((x) => x.id).join(', ')})`);
  return f;
}
