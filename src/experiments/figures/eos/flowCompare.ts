// GD against the flows in numbers: parameter distances at matched times, when GD leaves gradient flow, and the central flow's loss prediction.
import type { StepRecord } from '../../../models';
import { median } from '../../report/stats';
import type { FlowsOptions } from './options';
import type { EdgeStats, EosRun } from './runs';

export interface DistanceRow {
  t: number;
  gdGradient: number;
  gdCentral: number;
  /** ‖θ_GF(t) − θ_0‖: how far gradient flow has travelled, the scale "leaving" is measured on. */
  gradientTravel: number;
}

// A type, not an interface: the rows go to out.table as they are.
export type LossPredictionRow = {
  t: number;
  /** GD's loss averaged over the centred window. */
  gd_average: number;
  /** L(θ_CF) + tr Σ/η. */
  central_predicted: number;
  central: number;
  gradient: number;
};

export interface ErrorSummary {
  median: number;
  max: number;
}

export interface FlowComparison {
  rows: DistanceRow[];
  /** The first compared step with ‖θ_GD − θ_GF‖ > leaveFraction·‖θ_GF − θ_0‖, or null. */
  leftAt: number | null;
  prediction: {
    count: number;
    rows: LossPredictionRow[];
    /** Relative errors of L(θ_CF) + tr Σ/η, of L(θ_CF) alone and of L(θ_GF) against GD's averaged loss. */
    central: ErrorSummary;
    centralAlone: ErrorSummary;
    gradient: ErrorSummary;
  };
}

/** eos-flows' data: the three runs from one θ_0, GD's edge statistics and the comparison. */
export interface FlowsData {
  gd: EosRun;
  gradient: EosRun;
  central: EosRun;
  sharpness0: number;
  edge: EdgeStats;
  compare: FlowComparison;
}

/** ‖a − b‖₂ over all parameters, summed in parameter order. */
function distance(a: readonly Float64Array[], b: readonly Float64Array[]): number {
  let s = 0;
  a.forEach((p, i) => {
    for (let j = 0; j < p.length; j++) s += (p[j] - b[i][j]) ** 2;
  });
  return Math.sqrt(s);
}

const byStep = (r: EosRun) => new Map(r.result.records.map((x) => [x.t, x] as const));

function distances(gd: EosRun, gradient: EosRun, central: EosRun): DistanceRow[] {
  const g = byStep(gradient),
    c = byStep(central);
  const theta0 = gd.result.records[0].params!;
  return gd.result.records
    .filter((x) => x.params && g.get(x.t)?.params && c.get(x.t)?.params)
    .map((x) => ({
      t: x.t,
      gdGradient: distance(x.params!, g.get(x.t)!.params!),
      gdCentral: distance(x.params!, c.get(x.t)!.params!),
      gradientTravel: distance(g.get(x.t)!.params!, theta0),
    }));
}

const errors = (e: number[]): ErrorSummary => (e.length ? { median: median(e), max: Math.max(...e) } : { median: NaN, max: NaN });

/** GD's loss averaged over a centred window of `window` + 1 steps, set against the flows' losses from GD's crossing on. */
function lossPrediction(gd: EosRun, gradient: EosRun, central: EosRun, from: number | null, window: number): FlowComparison['prediction'] {
  const loss = gd.result.records.map((r) => r.loss);
  const half = Math.floor(window / 2);
  const g = byStep(gradient),
    c = byStep(central);
  const rows: LossPredictionRow[] = [];
  for (let t = Math.max(from ?? Infinity, half); t + half < loss.length; t++) {
    const cf: StepRecord | undefined = c.get(t),
      gf = g.get(t);
    if (!cf || !gf) continue;
    const avg = loss.slice(t - half, t + half + 1).reduce((a, b) => a + b, 0) / (2 * half + 1);
    rows.push({ t, gd_average: avg, central_predicted: cf.loss + (cf.sigma2 ?? 0) / gd.eta, central: cf.loss, gradient: gf.loss });
  }
  const rel = (k: keyof LossPredictionRow) => rows.map((r) => Math.abs(r[k] - r.gd_average) / r.gd_average);
  return {
    count: rows.length,
    rows,
    central: errors(rel('central_predicted')),
    centralAlone: errors(rel('central')),
    gradient: errors(rel('gradient')),
  };
}

/**
 * Distances between GD and the flows at the compared steps, when GD leaves gradient flow, and how well the central flow
 * predicts GD's time-averaged loss after the crossing.
 * @example
 * const c = compareFlows(gd, gf, cf, edgeStats(gd.result, gd.edge), options);
 */
export function compareFlows(gd: EosRun, gradient: EosRun, central: EosRun, edge: EdgeStats, o: FlowsOptions): FlowComparison {
  const rows = distances(gd, gradient, central);
  const left = rows.find((r) => r.gdGradient > o.leaveFraction * r.gradientTravel);
  return { rows, leftAt: left?.t ?? null, prediction: lossPrediction(gd, gradient, central, edge.crossedAt, o.averageWindow) };
}
