// The Phases view's computation: one `catapult train` run in the page (same setup, same training), and its two plots.
import { trainSettings } from '../models';
import { setup } from '../experiments/run/setup';
import { RunSummary, runTraining } from '../experiments/run/run';
import { formatLr } from '../experiments/run/lr';
import { toJson } from '../io/output';
import type { LinePlot } from '../experiments/report/plotSpec';
import type { PhasesValues } from './params';

/** One step of the run as the plots read it. */
export interface PhasesRow {
  t: number;
  t_eta: number;
  loss: number;
  lambda: number | null;
}

export interface PhasesResult {
  /** summary.json of `catapult train` with the same options, field for field. */
  summary: RunSummary;
  rows: PhasesRow[];
}

/**
 * The `catapult train` arguments that make the same run (the CLI writes the same summary.json).
 *
 * @example
 * phasesCliArgs(v); // ['train', '--model', 'warmup', '--width', '1000', '--seed', '0', '--lr', '1.5x', '--steps', '200']
 */
export function phasesCliArgs(v: PhasesValues): string[] {
  return [
    'train',
    '--model',
    v.model,
    '--width',
    String(v.width),
    '--seed',
    String(v.seed),
    '--lr',
    formatLr(v.lr),
    '--steps',
    String(v.steps),
  ];
}

/**
 * Trains as `catapult train` does with these options (λ0 by Lanczos, then GD with λ_t every step).
 *
 * @example
 * runPhases({ model: 'warmup', width: 1000, seed: 0, lr: parseLr('1.5x'), steps: 200 }).summary.phase; // 'catapult'
 */
export function runPhases(v: PhasesValues): PhasesResult {
  const s = setup({ model: v.model, width: v.width, seed: v.seed });
  const { summary, result, eta } = runTraining(s, { ...trainSettings({ steps: v.steps }), lr: v.lr }, v.seed);
  const rows = result.records.map((r) => ({ t: r.t, t_eta: r.t * eta, loss: r.loss, lambda: r.lambda ?? null }));
  return { summary, rows };
}

/** The summary as summary.json writes it (the page's #result holds this text). */
export function summaryJson(summary: RunSummary): string {
  return toJson(summary);
}

/** What the page says of a run: its phase, or where it diverged. */
export function verdict(s: RunSummary): string {
  return s.diverged_at !== null ? `diverged at step ${s.diverged_at}` : s.phase;
}

/** Loss against t·η (log scale) and λ_t·η against t·η with the line at 2, as the reports draw them. */
export function phasesPlots(r: PhasesResult): [LinePlot, LinePlot] {
  const { summary: s, rows } = r;
  // A diverged run's last losses are astronomically large: stop the plot at the divergence threshold's scale.
  const finite = rows.filter((x) => Number.isFinite(x.loss) && x.loss > 0);
  const x = finite.map((q) => q.t_eta);
  const name = `η·λ0 = ${Number(s.eta_lambda0.toPrecision(4))}`;
  const withLambda = rows.filter((q) => q.lambda !== null && Number.isFinite(q.lambda));
  const size = { width: 270, height: 220 };
  return [
    {
      kind: 'line',
      title: `loss (${verdict(s)})`,
      xLabel: 'physical time t·η',
      yLabel: 'loss',
      yLog: true,
      series: [{ name, x, y: finite.map((q) => q.loss) }],
      ...size,
    },
    {
      kind: 'line',
      title: 'λ_t·η (stable below 2)',
      xLabel: 'physical time t·η',
      yLabel: 'λ_t·η',
      series: [{ name, x: withLambda.map((q) => q.t_eta), y: withLambda.map((q) => q.lambda! * s.eta) }],
      // λ_t·η = 2 is η = η_crit at the current curvature; at t = 0, λ0·η = 4 is η_max of the linear models.
      hlines: [
        { at: 2, label: 'λ·η = 2 (η_crit)' },
        { at: 4, label: 'λ·η = 4 (η_max)' },
      ],
      ...size,
    },
  ];
}
