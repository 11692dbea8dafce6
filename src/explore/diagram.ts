// The Phase-diagram view's computation: λ at t·η = τ against η·λ0 on a grid, one warmup run per point and width, one at a time.
import { linspace } from '../experiments/report/stats';
import type { LinePlot, Series } from '../experiments/report/plotSpec';
import { Instance, gd, warmupInstance } from '../experiments/figures/common';
import type { DiagramValues } from './params';

/** One grid point: λ_T at T = round(τ/η) steps, or where the run diverged first. */
export interface DiagramPoint {
  width: number;
  eta_lambda0: number;
  eta: number;
  lambda0: number;
  T: number;
  lambda_T: number | null;
  diverged_at: number | null;
}

/** Every (width, η·λ0) of the view, in the order they run. */
export function diagramGrid(v: DiagramValues): { width: number; etaLambda0: number }[] {
  const grid = linspace(v.from, v.to, v.points);
  return v.widths.flatMap((width) => grid.map((etaLambda0) => ({ width, etaLambda0 })));
}

/**
 * The points one by one (the page runs one per frame, so it can show progress and stop); each width's instance is made once.
 *
 * @example
 * for (const p of diagramRuns(v)) console.log(p.eta_lambda0, p.lambda_T);
 */
export function* diagramRuns(v: DiagramValues): Generator<DiagramPoint> {
  const instances = new Map<number, Instance>();
  for (const { width, etaLambda0 } of diagramGrid(v)) {
    let inst = instances.get(width);
    if (inst === undefined) instances.set(width, (inst = warmupInstance(width, v.seed)));
    const eta = etaLambda0 / inst.lambdaNtk0;
    const T = Math.max(1, Math.round(v.tau / eta));
    const r = gd(inst, eta, { steps: T, eigEvery: 0 });
    const last = r.records[r.records.length - 1];
    yield {
      width,
      eta_lambda0: etaLambda0,
      eta,
      lambda0: inst.lambdaNtk0,
      T,
      lambda_T: r.diverged ? null : (last.lambda ?? null),
      diverged_at: r.diverged?.step ?? null,
    };
  }
}

/** λ_T against η·λ0, a line per width, with η_crit and η_max marked (points that diverged are left out). */
export function diagramPlot(points: readonly DiagramPoint[], v: DiagramValues): LinePlot {
  const series: Series[] = v.widths.map((width) => {
    const mine = points.filter((p) => p.width === width && p.lambda_T !== null);
    return { name: `n = ${width}`, x: mine.map((p) => p.eta_lambda0), y: mine.map((p) => p.lambda_T!), points: true };
  });
  return {
    kind: 'line',
    title: `λ at t·η = ${v.tau}`,
    xLabel: 'η·λ0',
    yLabel: `λ at t·η = ${v.tau}`,
    series,
    vlines: [
      { at: 2, label: 'η_crit' },
      { at: 4, label: 'η_max' },
    ],
    xDomain: [v.from, v.to],
    width: 480,
    height: 280,
  };
}
