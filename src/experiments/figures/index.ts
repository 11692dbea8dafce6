// The paper's linear-model experiments, by id: what `catapult figure <id>` and `catapult reproduce` run.
import type { Figure } from './common';
import { fig2 } from './fig2';
import { figS1 } from './figS1';
import { full } from './full';
import { figS12 } from './figS12';
import { boundaries } from './boundaries';
import { logn } from './logn';

export * from './common';
export * from './fig2';
export * from './figS1';
export * from './full';
export * from './figS12';
export * from './boundaries';
export * from './logn';

/** Every experiment, in the order `reproduce` runs them. */
export const FIGURES: readonly Figure[] = [fig2, figS1, full, figS12, boundaries, logn];

export function figureById(id: string): Figure {
  const f = FIGURES.find((x) => x.id === id);
  if (!f) throw new Error(`unknown figure '${id}' (figures: ${FIGURES.map((x) => x.id).join(', ')})`);
  return f;
}
