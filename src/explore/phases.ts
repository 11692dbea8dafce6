// The Phases view's computation: one `catapult train` run in the page (same setup, same training), and its two plots.
import { trainSettings } from '../models';
import { setup } from '../experiments/run/setup';
import { RunSummary, runTraining } from '../experiments/run/run';
import { formatLr } from '../experiments/run/lr';
import { toJson } from '../io/output';
import type { LinePlot } from '../experiments/report/plotSpec';
import { PAGE_SYNTHETIC, PHASES_PARAMS, PhasesValues, applies, formatValue } from './params';
import { SETUP_OPTIONS, SetupInput } from '../experiments/run/setupOptions';

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
 * The setup options of the page's values, in SETUP_OPTIONS' terms: the mlp's depth, activation, parameterization and data
 * set only where they apply (as the CLI refuses them elsewhere); `gaussian` data is no --dataset.
 *
 * @example
 * phasesSetup({ ...v, model: 'mlp', depth: 2, dataset: 'synthetic' }); // { model: 'mlp', …, depth: 2, dataset: 'synthetic', classes: [0, 1], … }
 */
export function phasesSetup(v: PhasesValues): SetupInput {
  const o: SetupInput = { model: v.model, width: v.width, seed: v.seed };
  const on = (key: keyof typeof PHASES_PARAMS) => applies(PHASES_PARAMS[key] as never, v);
  if (on('depth')) o.depth = v.depth;
  if (on('act')) o.act = v.act;
  if (on('param')) o.param = v.param;
  if (on('dataset') && v.dataset === 'synthetic') Object.assign(o, { dataset: 'synthetic', ...PAGE_SYNTHETIC });
  return o;
}

/**
 * The `catapult train` arguments that make the same run (the CLI writes the same summary.json).
 *
 * @example
 * phasesCliArgs(v); // ['train', '--model', 'warmup', '--width', '1000', '--seed', '0', '--lr', '1.5x', '--steps', '200']
 */
export function phasesCliArgs(v: PhasesValues): string[] {
  const setupArgs = Object.entries(phasesSetup(v)).flatMap(([key, value]) => [
    `--${SETUP_OPTIONS[key as keyof typeof SETUP_OPTIONS].flag}`,
    formatValue(value),
  ]);
  return ['train', ...setupArgs, '--lr', formatLr(v.lr), '--steps', String(v.steps)];
}

/**
 * Trains as `catapult train` does with these options (λ0 by Lanczos, then GD with λ_t every step).
 *
 * @example
 * runPhases(parseState('?view=phases&model=warmup&width=1000&lr=1.5x').values as PhasesValues).summary.phase; // 'catapult'
 */
export function runPhases(v: PhasesValues): PhasesResult {
  const s = setup(phasesSetup(v));
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
