// One training run end to end: resolve η from λ0, train, and write trajectory.csv/json and summary.json.
import * as path from 'path';
import { Dataset } from '../../data';
import {
  AppliedModelConfig,
  Evaluation,
  appliedModelConfig,
  evaluate,
  lambdaAt,
  train,
  TrainOptions,
  TrainResult,
  Model,
  StepRecord,
} from '../../models';
import { pickValues, savedFields } from '../../options';
import { SCHEDULE_OPTIONS } from '../../models';
import { LrReference, LrSpec, formatLr, resolveRunLr } from './lr';
import { Setup } from './setup';
import { Row, toCsv, toJson, writeFileAtomic } from '../../io/output';
import { VERSION } from './version';
import { backendInfo } from '../../linalg/backend';

export type RunOptions = Omit<TrainOptions, 'lr'> & {
  lr: LrSpec;
  /** Each trajectory row as its step is recorded (the η-dependent t_eta included), e.g. into a CsvAppender. */
  trajectory?: (row: Row) => void;
};

export interface RunSummary {
  engine: string;
  /** The kernels that ran (flavor: fma, simd, js, or openblas-<version>-<core>) and their thread count: the bits depend on the first. */
  backend: { name: string; flavor: string; threads: number };
  /** The model's fields that apply to its kind and were used (no σ's for a standard model read from --init). */
  model: AppliedModelConfig;
  data: string;
  seed: number | null;
  lr: string;
  eta: number;
  loss: string;
  /** Which curvature a relative η (`Cx` = C·2/curvature) refers to: the NTK's λ0 for MSE, the loss Hessian's top eigenvalue otherwise. */
  lr_reference: LrReference;
  lambda0: number;
  /** Top eigenvalue of the loss Hessian at θ_0 (with --track hessian, or when it sets η). */
  hessian0: number | null;
  final_hessian: number | null;
  eta_lambda0: number;
  eta_over_eta_crit: number;
  /** What the paper predicts from η·λ0 (lazy < 2 < catapult < 4 < divergent) for the linear models. */
  predicted_phase: string | null;
  phase: TrainResult['phase'];
  loss0: number;
  peak_loss: number;
  final_loss: number;
  final_lambda: number | null;
  final_lambda_eta: number | null;
  /** Loss, accuracy and margins of the final parameters on the training and test sets (classification only: not for MSE on real-valued targets). */
  train_metrics: Evaluation | null;
  test_metrics: Evaluation | null;
  steps_run: number;
  converged_at: number | null;
  diverged_at: number | null;
  diverged_reason: string | null;
  /** The update rule beyond η, so that a replay (python/eos_replay.py) can follow it or refuse it: heavy-ball γ, L2, the optimizer's name, the batch size (null: full batch), per-layer factors (null: none). */
  momentum: number;
  l2: number;
  optimizer: string;
  batch: number | null;
  layer_lr: number[] | null;
  /** The decay schedule and augmentation under their saved names (decay_at, final_lr, …), where given. */
  schedule?: Record<string, unknown>;
}

export const TRAJECTORY_COLUMNS = ['t', 't_eta', 'loss', 'lambda', 'hessian', 'param_norm'];

/** The trajectory's columns: under minibatch SGD also the loss of each step's batch (blank at the last step). */
export function trajectoryColumns(sgd: boolean, flow?: 'gradient' | 'central'): string[] {
  // A flow also records the sharpness its step size follows, and the central flow σ² (the loss prediction's term).
  const flowColumns = flow === undefined ? [] : flow === 'central' ? ['sharpness', 'sigma2'] : ['sharpness'];
  return [...TRAJECTORY_COLUMNS, ...(sgd ? ['batch_loss'] : []), ...flowColumns];
}

function predictedPhase(model: Model, etaLambda: number): string | null {
  const c = model.config;
  if (c.kind === 'mlp' || (c.kind === 'quadratic' && c.base === 'mlp')) return null;
  return etaLambda < 2 ? 'lazy' : etaLambda < 4 ? 'catapult' : 'divergent';
}

/**
 * Trains from `s.init` at the resolved η. λ0 is measured by Lanczos before η is fixed; for the logistic and
 * cross-entropy losses a relative η refers to the loss Hessian's top eigenvalue instead, since the NTK alone
 * does not set the stability of GD on them.
 */
export function runTraining(s: Setup, o: RunOptions, seed: number | null, lambda0 = lambdaAt(s.model, s.init, s.data)) {
  const loss = s.model.config.loss ?? 'mse';
  const { eta, reference, hessian0, curvature } = resolveRunLr(s, o.lr, lambda0);
  const { trajectory, onStep, ...settings } = o;
  const result = train(s.model, s.init, s.data, {
    ...settings,
    lr: eta,
    onStep: trajectory
      ? (r) => {
          trajectory(trajectoryRow(r, eta));
          onStep?.(r);
        }
      : onStep,
  });
  const last = result.records[result.records.length - 1];
  const summary: RunSummary = {
    engine: VERSION,
    backend: runBackend(),
    model: appliedModelConfig(s.model.config, { initFromFile: seed === null }),
    data: s.data.source,
    seed,
    lr: formatLr(o.lr),
    eta,
    loss,
    lr_reference: reference,
    lambda0,
    hessian0: Number.isFinite(result.lambdaHessian0) ? result.lambdaHessian0 : hessian0,
    final_hessian: result.diverged ? null : result.finalHessian,
    eta_lambda0: eta * lambda0,
    eta_over_eta_crit: (eta * curvature) / 2,
    predicted_phase: predictedPhase(s.model, eta * lambda0),
    phase: result.phase,
    loss0: result.loss0,
    peak_loss: result.peakLoss,
    final_loss: last.loss,
    final_lambda: result.diverged ? null : result.finalLambda,
    final_lambda_eta: result.diverged || result.finalLambda === null ? null : result.finalLambda * eta,
    train_metrics: result.diverged ? null : classificationMetrics(s.model, result, s.data),
    test_metrics: result.diverged || !s.test || s.test.X.shape[0] === 0 ? null : classificationMetrics(s.model, result, s.test),
    steps_run: last.t,
    converged_at: result.convergedAt,
    diverged_at: result.diverged?.step ?? null,
    diverged_reason: result.diverged?.reason ?? null,
    momentum: o.momentum ?? 0,
    l2: o.l2 ?? 0,
    optimizer: o.optimizer ?? 'gd',
    batch: o.batch ?? null,
    layer_lr: o.layerLr ?? null,
  };
  const sched = savedFields(SCHEDULE_OPTIONS, pickValues(SCHEDULE_OPTIONS, o));
  if (Object.keys(sched).length > 0) summary.schedule = sched;
  return { eta, result, summary };
}

function runBackend(): RunSummary['backend'] {
  const { name, flavor, threads } = backendInfo();
  return { name, flavor, threads };
}

/** Accuracy and margins where the targets are classes: ±1 labels (logistic) or one-hot rows; null for real-valued targets. */
function classificationMetrics(model: Model, result: TrainResult, data: Dataset): Evaluation | null {
  const Y = data.Y.data,
    k = data.Y.shape[1];
  const classes =
    k === 1
      ? Y.every((v) => v === 1 || v === -1)
      : Y.every((v) => v === 0 || v === 1) &&
        Array.from({ length: data.Y.shape[0] }, (_, i) => Y.subarray(i * k, (i + 1) * k).reduce((a, b) => a + b, 0)).every((s) => s === 1);
  return classes ? evaluate(model, result.params, data) : null;
}

/** One trajectory row: t, physical time t·η (Σ η_s with a decay), loss, λ_t and λ_H (blank where not measured), ‖θ‖. */
export function trajectoryRow(r: StepRecord, eta: number): Row {
  return {
    t: r.t,
    t_eta: r.time ?? r.t * eta,
    loss: r.loss,
    lambda: r.lambda,
    hessian: r.hessian,
    param_norm: r.paramNorm,
    batch_loss: r.batchLoss,
    sharpness: r.sharpness,
    sigma2: r.sigma2,
  };
}

/** Trajectory rows of every kept record. */
export function trajectoryRows(result: TrainResult, eta: number): Row[] {
  return result.records.map((r) => trajectoryRow(r, eta));
}

/**
 * Writes trajectory.csv, trajectory.json and summary.json into `dir`; `streamed` when trajectory.csv was written as
 * the run went (its rows are then not all in `result`, and trajectory.json is written only if they are); `earlier`
 * holds the rows before a resumed run's first record.
 */
export function writeRun(
  dir: string,
  result: TrainResult,
  summary: RunSummary,
  streamed: { csv: boolean; allRecords: boolean; earlier?: readonly Row[] } = { csv: false, allRecords: true },
): void {
  const rows = [...(streamed.earlier ?? []), ...trajectoryRows(result, summary.eta)];
  const columns = trajectoryColumns(
    rows.some((r) => r.batch_loss !== undefined),
    summary.schedule?.flow as 'gradient' | 'central' | undefined,
  );
  if (!streamed.csv) writeFileAtomic(path.join(dir, 'trajectory.csv'), toCsv(columns, rows));
  if (streamed.allRecords) {
    writeFileAtomic(path.join(dir, 'trajectory.json'), toJson({ columns, rows: rows.map((r) => columns.map((c) => r[c] ?? null)) }));
  }
  writeFileAtomic(path.join(dir, 'summary.json'), toJson(summary));
}
