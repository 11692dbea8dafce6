// eos-digits as a figure: the float64/double-double comparison and the one-ulp pair (digits.ts), reported by digitsReport.ts.
import { FigureSpec, seedAndWidth } from '../spec';
import { DigitsData, computeDigits } from './digits';
import { reportDigits } from './digitsReport';
import { writeRunDir } from '../runDir';
import { DIGITS_DEFAULTS, DIGITS_FULL, DigitsOptions } from './options';
import type { EosRun } from './runs';

export const eosDigits: FigureSpec<DigitsOptions, DigitsData, EosRun> = {
  id: 'eos-digits',
  title: 'How many digits of an edge-of-stability trajectory survive, and which quantities stay reproducible',
  suite: 'eos',
  weight: 3,
  takesDataset: true,
  defaults: DIGITS_DEFAULTS,
  full: DIGITS_FULL,
  overrides: seedAndWidth('width'),
  compute: computeDigits,
  checkpoint: { save: (run, o, dir) => writeRunDir(dir, run) },
  reportTitle: (o) => `Digits at the edge of stability: fc-${o.act}, ${o.loss}, η = ${o.edgeFraction}·2/S_0, float64 against double-double`,
  report: reportDigits,
};
