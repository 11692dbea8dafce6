// The Haas et al. sweep: η_max for every (loss, rule, width, seed), and the power law of η_max against width per (loss, rule).
import { LossKind } from '../../../models';
import { LineFit, powerLawFit, slopeInterval } from '../../report/stats';
import type { Progress } from '../spec';
import { haasData } from './data';
import type { HaasOptions, HaasRule } from './options';
import { EtaMax, findEtaMax, ruleEtaStart } from './runs';

export interface ExponentFit {
  loss: LossKind;
  rule: HaasRule;
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

/** Fits log η_max = slope · log n + c per (loss, rule) over every (width, seed), with the slope's 95% interval. */
export function fitExponents(results: readonly EtaMax[], losses: readonly LossKind[], rules: readonly HaasRule[]): ExponentFit[] {
  return losses.flatMap((loss) =>
    rules.flatMap((rule) => {
      const rs = results.filter((r) => r.loss === loss && r.rule === rule);
      if (new Set(rs.map((r) => r.width)).size < 2) return [];
      const fit = powerLawFit(
        rs.map((r) => r.width),
        rs.map((r) => r.etaMax),
      );
      return [{ loss, rule, fit, ci: slopeInterval(fit), points: rs.length }];
    }),
  );
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
  // Rule by rule, SGD's first: an interrupted default run (hours at width 8192) has finished the rules the paper's
  // exponents are about. Results are reported in the options' (loss, rule, width, seed) order whatever the run order.
  const order = [...o.rules].sort((a, b) => Number(a.startsWith('adam')) - Number(b.startsWith('adam')));
  const jobs = order.flatMap((rule) =>
    o.losses.flatMap((loss) => widths.flatMap((width) => o.seeds.map((seed) => ({ loss, rule, width, seed })))),
  );
  const rank = (r: { loss: LossKind; rule: HaasRule; width: number; seed: number }) => [
    o.losses.indexOf(r.loss),
    o.rules.indexOf(r.rule),
    r.width,
    o.seeds.indexOf(r.seed),
  ];
  const canonical = (a: EtaMax, b: EtaMax) => {
    const [x, y] = [rank(a), rank(b)];
    return x.reduce((d, v, i) => d || v - y[i], 0);
  };
  // Cost grows with the width (about n² per step for the hidden layer), so progress is weighted by it.
  const cost = (w: number) => w * (data.X.shape[1] + w);
  const total = jobs.reduce((s, j) => s + cost(j.width), 0);
  let done = 0;
  const previous = new Map<string, number>();
  const results = jobs.map((j) => {
    progress(done / total, `${j.loss}, ${j.rule}, width ${j.width}, seed ${j.seed}`);
    // Widths run in increasing order and η_max falls with n, so half the last η_max is a close stable start.
    const key = `${j.loss}/${j.rule}/${j.seed}`,
      last = previous.get(key),
      start = ruleEtaStart(j.rule, o);
    const r =
      finished.find((f) => f.loss === j.loss && f.rule === j.rule && f.width === j.width && f.seed === j.seed) ??
      findEtaMax(j.loss, j.rule, j.width, j.seed, data, o, last === undefined ? start : Math.max(start, last / 2));
    previous.set(key, r.etaMax);
    done += cost(j.width);
    onResult(r);
    return r;
  });
  results.sort(canonical);
  return { results, fits: fitExponents(results, o.losses, o.rules), source, inputDim: data.X.shape[1] };
}
