// The error bars of a golden file: per-step reproducible digits and the chaos flag, from the tangent-linear rounding model.
import { Values } from '../../options';
import { digitsFromGrowth, isChaotic, paramRates, roundingGrowth } from '../../models';
import type { Setup } from '../run/setup';
import type { ORACLE_OPTIONS } from './goldenFormat';

/**
 * Per-step reproducible digits and the chaos flag of a golden run, from the tangent-linear rounding model (one HVP per
 * step). A dd run's errors start at 2⁻¹⁰⁶, so it keeps a double's digits far longer.
 *
 * @example
 * const { digits, chaotic } = reproducibleDigits(s, eta, options, steps + 1); // digits[t] ≤ 15.95
 */
export function reproducibleDigits(
  s: Pick<Setup, 'model' | 'init' | 'data'>,
  eta: number,
  o: Values<typeof ORACLE_OPTIONS>,
  length: number,
): { digits: Float64Array; chaotic: boolean } | null {
  // The rounding model is the tangent-linear map of GD (momentum, L2, minibatches, per-layer rates); Adam's is not modelled.
  if (o.optimizer !== undefined && o.optimizer !== 'gd') return null;
  const unit = o.precision === 'dd' ? 2 ** -106 : 2 ** -53;
  const rates = paramRates(s.model, o);
  const logRel = roundingGrowth(s.model, s.init, s.data, {
    lr: eta,
    steps: length - 1,
    momentum: o.momentum,
    l2: o.l2,
    unit,
    batch: o.batch,
    batchSeed: o.batchSeed,
    rates,
  });
  return { digits: digitsFromGrowth(logRel, length), chaotic: isChaotic(logRel) };
}
