// eos-digits: how many digits of an edge-of-stability trajectory survive, against the time-averaged quantities, which stay reproducible.
import { Tensor, tensor } from '../../../linalg/tensor';
import { PrecisionReport, agreeingDigits, precisionReport } from '../../run/precision';
import { median } from '../../report/stats';
import type { ComputeContext } from '../spec';
import type { DigitsOptions } from './options';
import { EdgeStats, EosRun, edgeStats, eosRun, eosSetup } from './runs';

/**
 * θ with every entry moved `ulps` units in the last place away from zero: where another float64 implementation
 * (another summation order) would be after its first rounding.
 * @example
 * nudged([tensor([1], Float64Array.of(1))], 1)[0].data[0]; // 1.0000000000000002
 */
export function nudged(params: readonly Tensor[], ulps: number): Tensor[] {
  return params.map((p) => {
    const data = Float64Array.from(p.data);
    const bits = new BigInt64Array(data.buffer);
    for (let i = 0; i < bits.length; i++) bits[i] += BigInt(ulps);
    return tensor(p.shape.slice(), data);
  });
}

/** The reproducible summaries of one run: S·η/2 from the crossing on, and the loss averaged over the second half. */
export interface TimeAverages {
  edge: EdgeStats;
  medianRatio: number | null;
  lateLoss: number;
}

export interface DigitsData {
  eta: number;
  sharpness0: number;
  precision: PrecisionReport;
  /** GD from θ_0 and from θ_0 nudged; the central flow from both. */
  gd: [EosRun, EosRun];
  central: [EosRun, EosRun];
  averages: [TimeAverages, TimeAverages];
  /** Digits the two GD runs share in the loss, step by step. */
  lossDigits: number[];
  /** The first step at which the two GD runs share less than one digit of the loss, or null. */
  partedAt: number | null;
  /** Digits the two central flows share in the loss, step by step. */
  centralDigits: number[];
}

function averages(r: EosRun): TimeAverages {
  const edge = edgeStats(r.result, r.edge);
  const losses = r.result.records.map((x) => x.loss);
  const late = losses.slice(Math.floor(losses.length / 2));
  return { edge, medianRatio: edge.ratio?.median ?? null, lateLoss: late.reduce((a, b) => a + b, 0) / late.length };
}

/**
 * float64 against double-double from θ_0 (Lyapunov rate, digits lost), then GD and the central flow each from θ_0 and
 * from θ_0 nudged by `nudgeUlps` ulps: their trajectories part, their time averages do not.
 */
export function computeDigits(o: DigitsOptions, ctx: Pick<ComputeContext<EosRun>, 'progress' | 'checkpoint'>): DigitsData {
  const s = eosSetup(o, o);
  const eta = (o.edgeFraction * 2) / s.sharpness0;
  ctx.progress(0, 'float64 against double-double');
  // λ only at the ends: the dd reference's NTK solve is the slow part, and the digits are read from loss, f and θ.
  const precision = precisionReport(s.setup, { lr: { value: eta, unit: 'abs' }, steps: o.steps, eigEvery: 0 }, o.seed);
  const starts = [
    { init: s.setup.init, seed: o.seed, tag: 'theta0' },
    { init: nudged(s.setup.init, o.nudgeUlps), seed: null, tag: `nudged${o.nudgeUlps}ulp` },
  ];
  const run = (kind: 'gd' | 'central', i: number) => {
    const from = starts[i];
    const name = `${o.act}-${o.loss}-${kind}-${from.tag}`;
    ctx.progress(0.4 + 0.15 * (kind === 'gd' ? i : 2 + 2 * i), name);
    const flow = kind === 'central' ? { flow: 'central' as const, flowAlpha: o.flowAlpha, eigEvery: 0 } : { eigEvery: o.eigEvery };
    const r = eosRun(s, name, { lr: eta, steps: o.steps, ...flow }, from);
    ctx.checkpoint(r);
    return r;
  };
  const gd: [EosRun, EosRun] = [run('gd', 0), run('gd', 1)];
  const central: [EosRun, EosRun] = [run('central', 0), run('central', 1)];
  const lossDigits = sharedLossDigits(gd);
  const parted = lossDigits.findIndex((d) => d < 1);
  return {
    eta,
    sharpness0: s.sharpness0,
    precision,
    gd,
    central,
    averages: [averages(gd[0]), averages(gd[1])],
    lossDigits,
    partedAt: parted < 0 ? null : parted,
    centralDigits: sharedLossDigits(central),
  };
}

/** The digits two runs share in the loss at each step both recorded. */
function sharedLossDigits(pair: [EosRun, EosRun]): number[] {
  const [a, b] = pair.map((r) => r.result.records);
  return a.slice(0, Math.min(a.length, b.length)).map((x, t) => agreeingDigits(x.loss, b[t].loss));
}

/** The step at which the fitted growth δ_t = δ_from·e^{rate·(t − from)} reaches 1: all digits gone. */
export function predictedParting(p: PrecisionReport): number | null {
  const fit = p.lyapunov;
  if (!fit || fit.rate <= 0) return null;
  const start = p.steps[fit.from]?.theta;
  return start > 0 ? fit.from + Math.log(1 / start) / fit.rate : null;
}

/** The median of a list, or NaN when it is empty (a flow that never reached the edge). */
export const medianOrNaN = (xs: number[]) => (xs.length ? median(xs) : NaN);
