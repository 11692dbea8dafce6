// The edge-of-stability tables and checks the figures share: per run, when S reaches its edge, how it sits there, what the loss does.
import { Report, fmt } from '../../report/report';
import type { FigureOutput } from '../output';
import { EdgeStats, EosRun, edgeStats } from './runs';

/** How close to 1 the median S/edge after the crossing must be for "hovers at the edge" (Cohen et al.: at, or just above). */
export const EDGE_MEDIAN_TOL = 0.1;

export const EDGE_COLUMNS = [
  'run',
  'act',
  'loss',
  'eta',
  'momentum',
  'sharpness0',
  'crossed_at',
  'median_ratio',
  'p10_ratio',
  'p90_ratio',
  'loss_at_crossing',
  'final_loss',
  'rise_fraction',
  'largest_rise',
  'diverged_at',
];

/** A run with its edge statistics. */
export interface EdgeRun {
  run: EosRun;
  stats: EdgeStats;
  sharpness0: number;
}

export const withEdge = (run: EosRun, sharpness0: number): EdgeRun => ({ run, stats: edgeStats(run.result, run.edge), sharpness0 });

/** edge.csv/json: one row per run. */
export function writeEdgeTable(out: FigureOutput, runs: readonly EdgeRun[], meta: object): void {
  out.table(
    'edge',
    EDGE_COLUMNS,
    runs.map(({ run: r, stats: s, sharpness0 }) => ({
      run: r.name,
      act: r.act,
      loss: r.loss,
      eta: r.eta,
      momentum: r.momentum,
      sharpness0,
      crossed_at: s.crossedAt,
      median_ratio: s.ratio?.median ?? null,
      p10_ratio: s.ratio?.p10 ?? null,
      p90_ratio: s.ratio?.p90 ?? null,
      loss_at_crossing: s.lossAtCrossing,
      final_loss: s.finalLoss,
      rise_fraction: s.riseFraction,
      largest_rise: s.largestRise,
      diverged_at: r.result.diverged?.step ?? null,
    })),
    meta,
  );
}

const band = (s: EdgeStats) => (s.ratio ? `${fmt(s.ratio.median, 4)} [${fmt(s.ratio.p10, 3)}, ${fmt(s.ratio.p90, 3)}]` : 'never reached');
const diverged = (r: EosRun) => (r.result.diverged ? ` (diverged at step ${r.result.diverged.step})` : '');

/**
 * The three checks of a set of GD runs at their edge: S reaches it (progressive sharpening), hovers there, and the
 * loss still falls over the long run, non-monotonically. `edgeText` names the edge (2/η or (2 + 2γ)/η).
 */
export function checkEdge(report: Report, runs: readonly EdgeRun[], edgeText: string, ratioText: string): void {
  const each = (f: (e: EdgeRun) => string) => runs.map((e) => `${e.run.name}: ${f(e)}${diverged(e.run)}`).join('; ');
  report.check({
    quantity: `first step with S ≥ ${edgeText} (in brackets: ${ratioText} at θ_0)`,
    paper: `reached: S rises under GD (progressive sharpening) until it meets ${edgeText}`,
    measured: each((e) => `${e.stats.crossedAt ?? 'never'} (from ${fmt(e.sharpness0 / e.run.edge, 3)})`),
    pass: runs.every((e) => e.stats.crossedAt !== null && !e.run.result.diverged),
  });
  report.check({
    quantity: `median of ${ratioText} from the crossing on, [10 %, 90 %] band`,
    paper: `"hovers right at, or just above" the edge: median within ±${EDGE_MEDIAN_TOL * 100} % of 1 (our tolerance)`,
    measured: each((e) => band(e.stats)),
    pass: runs.every((e) => e.stats.ratio !== null && Math.abs(e.stats.ratio.median - 1) <= EDGE_MEDIAN_TOL),
  });
  report.check({
    quantity: 'loss from the crossing to the last step; steps whose loss rose; largest one-step rise',
    paper: 'the loss keeps falling over long horizons, non-monotonically',
    measured: each((e) =>
      e.stats.lossAtCrossing === null
        ? 'no crossing'
        : `${fmt(e.stats.lossAtCrossing)} → ${fmt(e.stats.finalLoss)}, ${fmt(100 * (e.stats.riseFraction ?? 0), 3)} % rose, ×${fmt(e.stats.largestRise ?? NaN, 4)}`,
    ),
    pass: runs.every(
      (e) => e.stats.lossAtCrossing !== null && e.stats.finalLoss < e.stats.lossAtCrossing && (e.stats.riseFraction ?? 0) > 0,
    ),
  });
}
