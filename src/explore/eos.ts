// The Edge-of-stability view's computation: GD on a tanh net with the sharpness every step, and gradient flow from the same init.
import { CHEBYSHEV_TARGET, chebyshevData } from '../data/chebyshev';
import { SCHEDULE_OPTIONS, StepRecord, TRAIN_OPTIONS, trainSettings } from '../models';
import { Setup, setup } from '../experiments/run/setup';
import { RunOptions, RunSummary, runTraining } from '../experiments/run/run';
import { SETUP_OPTIONS, SetupInput } from '../experiments/run/setupOptions';
import type { LinePlot } from '../experiments/report/plotSpec';
import { EosValues, formatValue } from './params';

/** The data: 20 Chebyshev points of CHEBYSHEV_TARGET, named as the .npz a CLI run reads them from (`--data eos-chebyshev.npz`). */
export const EOS_DATA_FILE = 'eos-chebyshev.npz';
export const EOS_POINTS = 20;

/** The training set of the view, the arrays of EOS_DATA_FILE. */
export function eosData(): Setup['data'] {
  return chebyshevData(EOS_POINTS, EOS_DATA_FILE);
}

/** The model and data options: Cohen et al.'s fc-tanh in miniature (standard parameterization, biases on). */
function eosSetupInput(v: EosValues): SetupInput {
  return { model: 'mlp', width: v.width, depth: v.depth, act: 'tanh', param: 'standard', seed: v.seed, data: EOS_DATA_FILE };
}

/** The model, its seeded initialization and the Chebyshev data, as `catapult train --data eos-chebyshev.npz` sets them up. */
export function eosSetup(v: EosValues): Setup {
  return setup(eosSetupInput(v), eosData());
}

type RunSettings = Omit<RunOptions, 'lr'>;

/** GD as `train --track hessian` runs it: λ and the loss Hessian's top eigenvalue S (Lanczos on exact HVPs) every step. */
function gdSettings(v: EosValues): RunSettings {
  return trainSettings({ steps: v.steps, trackHessian: true });
}

/** Gradient flow from the same initialization, recorded at t·η (its sharpness at each record; λ only at the ends). */
function flowSettings(v: EosValues): RunSettings {
  return { ...trainSettings({ steps: v.steps, eigEvery: 0 }), flow: 'gradient', flowAlpha: v.flowAlpha };
}

/** The flags of the settings that differ from the CLI's defaults, and --steps always (`--track hessian` for trackHessian). */
function settingArgs(o: RunSettings): string[] {
  const decls = { ...TRAIN_OPTIONS, ...SCHEDULE_OPTIONS } as Record<string, { flag: string; default?: unknown }>;
  return Object.entries(o).flatMap(([key, value]) => {
    const d = decls[key];
    if (d === undefined || value === undefined || (value === d.default && key !== 'steps')) return [];
    return [`--${d.flag}`, key === 'trackHessian' ? 'hessian' : formatValue(value)];
  });
}

/**
 * The `catapult train` arguments of the GD run (its summary.json is the page's #result) or of the flow run; both read
 * the data from EOS_DATA_FILE.
 *
 * @example
 * eosCliArgs(v, 'gd'); // ['train', '--model', 'mlp', '--width', '16', …, '--data', 'eos-chebyshev.npz', '--lr', '0.08', '--steps', '400', '--track', 'hessian']
 */
export function eosCliArgs(v: EosValues, run: 'gd' | 'flow'): string[] {
  const setupArgs = Object.entries(eosSetupInput(v)).flatMap(([key, value]) => [
    `--${SETUP_OPTIONS[key as keyof typeof SETUP_OPTIONS].flag}`,
    formatValue(value),
  ]);
  return ['train', ...setupArgs, '--lr', formatValue(v.eta), ...settingArgs(run === 'gd' ? gdSettings(v) : flowSettings(v))];
}

/** One record as the plots read it: physical time t·η, loss and sharpness S (null where not measured). */
export interface EosRow {
  t: number;
  t_eta: number;
  loss: number;
  sharpness: number | null;
}

export interface EosRun {
  /** summary.json of `catapult train` with eosCliArgs' options, field for field. */
  summary: RunSummary;
  rows: EosRow[];
}

function runOf(s: Setup, v: EosValues, settings: RunSettings, sharpness: (r: StepRecord) => number | undefined): EosRun {
  const { summary, result, eta } = runTraining(s, { ...settings, lr: { unit: 'abs', value: v.eta } }, v.seed);
  const rows = result.records.map((r) => ({ t: r.t, t_eta: r.t * eta, loss: r.loss, sharpness: sharpness(r) ?? null }));
  return { summary, rows };
}

/**
 * GD at η from the seeded initialization, S_t every step.
 *
 * @example
 * const gd = runEosGd(eosSetup(v), v); // gd.summary.final_hessian * v.eta / 2 ≈ 1 at the edge
 */
export function runEosGd(s: Setup, v: EosValues): EosRun {
  return runOf(s, v, gdSettings(v), (r) => r.hessian);
}

/** Gradient flow from the same initialization over the same physical time (RK4, substeps min(α/S, η)). */
export function runEosFlow(s: Setup, v: EosValues): EosRun {
  return runOf(s, v, flowSettings(v), (r) => r.sharpness);
}

/** S·η/2 at the run's last step: 1 on the edge of stability (null when the run diverged). */
export function edgeRatio(s: RunSummary): number | null {
  return s.final_hessian === null ? null : (s.final_hessian * s.eta) / 2;
}

/** Whether a run ended within `band` (relative) of the edge S = 2/η. */
export function atEdge(s: RunSummary, band = 0.1): boolean {
  const r = edgeRatio(s);
  return r !== null && Math.abs(r - 1) <= band;
}

/** What the page says of the data, in words. */
export const EOS_DATA_TEXT = `${EOS_POINTS} Chebyshev points x_i = cos((2i+1)π/${2 * EOS_POINTS}), ${CHEBYSHEV_TARGET.text}`;

/**
 * The sharpness S against t·η with the line 2/η, and the loss (log scale); gradient flow overlaid once it has run.
 *
 * @example
 * const [sharpness, loss] = eosPlots(gd, flow);
 */
export function eosPlots(gd: EosRun, flow: EosRun | null): [LinePlot, LinePlot] {
  const eta = gd.summary.eta;
  const runs = [{ name: 'GD', run: gd, color: '#4c78a8' }, ...(flow ? [{ name: 'gradient flow', run: flow, color: '#f58518' }] : [])];
  const finite = (rows: EosRow[], y: (r: EosRow) => number | null) =>
    rows.filter((r) => {
      const v = y(r);
      return v !== null && Number.isFinite(v) && v > 0;
    });
  const series = (y: (r: EosRow) => number | null) =>
    runs.map(({ name, run, color }) => {
      const rows = finite(run.rows, y);
      return { name, color, x: rows.map((r) => r.t_eta), y: rows.map((r) => y(r)!) };
    });
  const size = { width: 260, height: 220 };
  return [
    {
      kind: 'line',
      title: 'sharpness S (top Hessian eigenvalue)',
      xLabel: 'physical time t·η',
      yLabel: 'S',
      series: series((r) => r.sharpness),
      hlines: [{ at: 2 / eta, label: `2/η = ${Number((2 / eta).toPrecision(4))}` }],
      ...size,
    },
    { kind: 'line', title: 'loss', xLabel: 'physical time t·η', yLabel: 'loss', yLog: true, series: series((r) => r.loss), ...size },
  ];
}
