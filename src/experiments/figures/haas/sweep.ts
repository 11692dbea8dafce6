// The Haas et al. sweep: η_max for every (loss, width, seed), and the power law of η_max against width per loss.
import { LossKind } from '../../../models';
import { LineFit, powerLawFit, slopeInterval } from '../../report/stats';
import type { Progress } from '../spec';
import { haasData } from './data';
import type { HaasOptions } from './options';
import { EtaMax, findEtaMax } from './runs';

export interface ExponentFit {
  loss: LossKind;
  fit: LineFit;
  ci: [number, number] | null;
  points: number;
}

export interface HaasData {
  results: EtaMax[];
  fits: ExponentFit[];
  source: string;
  inputDim: number;
}

/** Fits log η_max = slope · log n + c per loss over every (width, seed), with the slope's 95% interval. */
export function fitExponents(results: readonly EtaMax[], losses: readonly LossKind[]): ExponentFit[] {
  return losses.flatMap((loss) => {
    const rs = results.filter((r) => r.loss === loss);
    if (new Set(rs.map((r) => r.width)).size < 2) return [];
    const fit = powerLawFit(
      rs.map((r) => r.width),
      rs.map((r) => r.etaMax),
    );
    return [{ loss, fit, ci: slopeInterval(fit), points: rs.length }];
  });
}

/**
 * Every (loss, width, seed) in turn; `onResult` sees each as it finishes (the figure writes it out at once).
 * Results in `finished` (from an interrupted run with the same options) are taken as they are.
 */
export function computeHaas(
  o: HaasOptions,
  progress: Progress = () => {},
  onResult: (r: EtaMax) => void = () => {},
  finished: readonly EtaMax[] = [],
): HaasData {
  const { train: data, source } = haasData(o);
  const widths = [...o.widths].sort((a, b) => a - b);
  const jobs = o.losses.flatMap((loss) => widths.flatMap((width) => o.seeds.map((seed) => ({ loss, width, seed }))));
  // Cost grows with the width (about n² per step for the hidden layer), so progress is weighted by it.
  const cost = (w: number) => w * (data.X.shape[1] + w);
  const total = jobs.reduce((s, j) => s + cost(j.width), 0);
  let done = 0;
  const previous = new Map<string, number>();
  const results = jobs.map((j) => {
    progress(done / total, `${j.loss}, width ${j.width}, seed ${j.seed}`);
    // Widths run in increasing order and η_max falls with n, so half the last η_max is a close stable start.
    const key = `${j.loss}/${j.seed}`,
      last = previous.get(key);
    const r =
      finished.find((f) => f.loss === j.loss && f.width === j.width && f.seed === j.seed) ??
      findEtaMax(j.loss, j.width, j.seed, data, o, last === undefined ? o.etaStart : Math.max(o.etaStart, last / 2));
    previous.set(key, r.etaMax);
    done += cost(j.width);
    onResult(r);
    return r;
  });
  return { results, fits: fitExponents(results, o.losses), source, inputDim: data.X.shape[1] };
}
