// A learning-rate sweep from one initialization: the phase each η reaches, its peak loss and final λ·η.
import * as path from 'path';
import { lambdaAt } from '../../models';
import { LrSpec, formatLr } from '../run/lr';
import { RunOptions, RunSummary, runTraining, writeRun } from '../run/run';
import { Setup } from '../run/setup';
import { Row, toCsv, toJson, writeFileAtomic } from '../../io/output';

export const SWEEP_COLUMNS = [
  'lr',
  'eta',
  'eta_lambda0',
  'predicted_phase',
  'phase',
  'loss0',
  'peak_loss',
  'final_loss',
  'final_lambda',
  'final_lambda_eta',
  'converged_at',
  'diverged_at',
  'steps_run',
];

export interface SweepOptions {
  lrs: readonly LrSpec[];
  run: Omit<RunOptions, 'lr'>;
  seed: number | null;
  outDir: string;
  /** Called after each finished run (i counts from 1). */
  onRun?: (i: number, total: number, s: RunSummary) => void;
}

function sweepRow(s: RunSummary): Row {
  return {
    lr: s.lr,
    eta: s.eta,
    eta_lambda0: s.eta_lambda0,
    predicted_phase: s.predicted_phase ?? '',
    phase: s.phase,
    loss0: s.loss0,
    peak_loss: s.peak_loss,
    final_loss: s.final_loss,
    final_lambda: s.final_lambda,
    final_lambda_eta: s.final_lambda_eta,
    converged_at: s.converged_at,
    diverged_at: s.diverged_at,
    steps_run: s.steps_run,
  };
}

/**
 * Runs every η of the grid from the same initial parameters. sweep.csv and sweep.json are rewritten
 * (atomically) after each run, so an interrupted sweep keeps every finished run.
 */
export function phaseSweep(s: Setup, o: SweepOptions): RunSummary[] {
  const lambda0 = lambdaAt(s.model, s.init, s.data);
  const done: RunSummary[] = [];
  o.lrs.forEach((lr, i) => {
    const { result, summary } = runTraining(s, { ...o.run, lr }, o.seed, lambda0);
    writeRun(path.join(o.outDir, 'runs', `lr-${formatLr(lr)}`), result, summary);
    done.push(summary);
    const rows = done.map(sweepRow);
    writeFileAtomic(path.join(o.outDir, 'sweep.csv'), toCsv(SWEEP_COLUMNS, rows));
    writeFileAtomic(path.join(o.outDir, 'sweep.json'), toJson({ lambda0, model: s.model.config, data: s.data.source, runs: done }));
    o.onRun?.(i + 1, o.lrs.length, summary);
  });
  return done;
}

/** A fixed-width text table of a sweep, one line per η. */
export function formatSweepTable(rows: readonly RunSummary[]): string {
  const head = ['η/η_crit', 'η·λ0', 'predicted', 'phase', 'peak loss', 'final λ·η', 'converged at'];
  const fmt = (x: number | null, digits = 4) => (x === null ? '—' : Math.abs(x) >= 1e5 ? x.toExponential(2) : x.toFixed(digits));
  const lines = rows.map((r) => [
    fmt(r.eta_over_eta_crit, 3),
    fmt(r.eta_lambda0, 3),
    r.predicted_phase ?? '—',
    r.phase === 'divergent' ? `divergent (step ${r.diverged_at})` : r.phase,
    fmt(r.peak_loss),
    fmt(r.final_lambda_eta),
    r.converged_at === null ? '—' : String(r.converged_at),
  ]);
  const widths = head.map((h, j) => Math.max(h.length, ...lines.map((l) => l[j].length)));
  const line = (cells: string[]) => cells.map((c, j) => c.padStart(widths[j])).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...lines.map(line)].join('\n');
}
