// The Loss-surface view's computation (Fig. S1): one GD path of the warmup model in the (a, b) plane, and the loss surface under it.
import { classifyPhase } from '../models';
import { linspace } from '../experiments/report/stats';
import type { Heatmap } from '../experiments/report/plotSpec';
import { Surface, SubspacePath, abSurface, subspacePath, subspaceSetup } from '../experiments/figures/lewkowycz2020/linear/figS1';
import type { SurfaceValues } from './params';
import { etaLambda0Of } from './params';

/** The path's run in summary.json's field names (the ones this run has). */
export interface SurfaceSummary {
  lambda0: number;
  eta: number;
  eta_lambda0: number;
  phase: string;
  loss0: number;
  peak_loss: number;
  final_loss: number;
  final_lambda: number | null;
  steps_run: number;
  diverged_at: number | null;
  a0: number;
  b0: number;
}

export interface SurfaceResult {
  summary: SurfaceSummary;
  path: SubspacePath;
  surface: Surface;
}

/** Convergence as `catapult train` judges it: loss ≤ 1e-8·L0. */
const CONVERGED = 1e-8;

/**
 * Fig. S1 for one η: GD on all 2n parameters from the seeded draw moved into the plane, and the surface on a box around the path.
 *
 * @example
 * runSurface({ width: 500, seed: 0, lr: parseLr('1.5x'), steps: 100, grid: 61 }).summary.phase; // 'catapult'
 */
export function runSurface(v: SurfaceValues): SurfaceResult {
  const sub = subspaceSetup(v.width, v.seed);
  const c = etaLambda0Of(v.lr) ?? v.lr.value * sub.inst.lambdaNtk0;
  const path = subspacePath(sub, c < 2 ? 'lazy' : c < 4 ? 'catapult' : 'divergent', c, v.steps);
  const loss0 = path.loss[0];
  const converged = path.loss.findIndex((l) => l <= CONVERGED * loss0);
  const peak = Math.max(...path.loss);
  const phase = classifyPhase({ diverged: path.divergedAt !== null, convergedAt: converged < 0 ? null : converged, peakLoss: peak, loss0 });
  // The box: around the path while it stays bounded; a diverging path is shown until it leaves 2.5× the start.
  const reach = Math.max(sub.a0, sub.b0);
  const R = path.divergedAt === null ? 1.25 * Math.max(reach, ...path.a.map(Math.abs), ...path.b.map(Math.abs)) : 2.5 * reach;
  const surface = abSurface(sub, linspace(-R, R, v.grid));
  const last = path.loss.length - 1;
  return {
    summary: {
      lambda0: sub.inst.lambdaNtk0,
      eta: path.eta,
      eta_lambda0: path.eta * sub.inst.lambdaNtk0,
      phase,
      loss0,
      peak_loss: peak,
      final_loss: path.loss[last],
      final_lambda: path.divergedAt === null ? path.lambda[last] : null,
      steps_run: last,
      diverged_at: path.divergedAt,
      a0: sub.a0,
      b0: sub.b0,
    },
    path,
    surface,
  };
}

/** The surface with the path's first `upTo` + 1 points on it, cut where the path leaves the box (as Fig. S1 draws it). */
export function surfacePlot(r: SurfaceResult, upTo: number): Heatmap {
  const { surface: sf, path } = r;
  const lo = sf.x[0],
    hi = sf.x[sf.x.length - 1];
  let max = 0;
  for (const z of sf.z) if (z > max) max = z;
  const a: number[] = [],
    b: number[] = [];
  for (let t = 0; t <= Math.min(upTo, path.a.length - 1); t++) {
    if (Math.abs(path.a[t]) > hi || Math.abs(path.b[t]) > hi || path.a[t] < lo) break;
    a.push(path.a[t]);
    b.push(path.b[t]);
  }
  return {
    kind: 'heatmap',
    title: `loss surface, GD path to step ${a.length - 1}`,
    xLabel: 'a (dim 1)',
    yLabel: 'b (dim 2)',
    zLabel: 'loss',
    x: sf.x,
    y: sf.y,
    // Floored at 1e-8 of the largest, as Fig. S1: the loss is exactly 0 on a = ±b.
    z: sf.z.map((z) => Math.max(z, 1e-8 * max)),
    zLog: true,
    paths: [{ name: 'GD path', x: a, y: b }],
    width: 360,
    height: 360,
  };
}
