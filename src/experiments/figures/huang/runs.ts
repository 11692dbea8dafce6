// One GD run of a Huang et al. setting, and the yes/no runs its bisections use, each stopping once the loss settles.
import type { Tensor } from '../../../linalg/tensor';
import { Dataset } from '../../../data';
import { Model, checkTrainingFits, evaluate, hessianAt, initParams, lambdaAt, train } from '../../../models';
import { deepLinearModel } from './data';
import type { DataKind } from './options';
import type { HuangOptions } from './options';

/** How a run ended: the catapult is a rise above L0 followed by a settled loss. */
export type HuangPhase = 'lazy' | 'catapult' | 'divergent' | 'unsettled';

export interface HuangRun {
  etaUnits: number;
  eta: number;
  phase: HuangPhase;
  loss0: number;
  peakLoss: number;
  /** Step of the highest loss (0 when the loss never rose). */
  peakAt: number;
  finalLoss: number;
  /** Top Hessian eigenvalue at the last step (the stop at L ≤ target·L0 for separable data); null when divergent. */
  finalHessian: number | null;
  /** Top NTK eigenvalue at the same step (finite even where the loss, and with it H, underflows to 0). */
  finalNtk: number | null;
  lastStep: number;
  divergedAt: number | null;
  accuracy: number;
  meanMargin: number;
  minMargin: number;
  t: number[];
  loss: number[];
  hessianT: number[];
  hessian: number[];
}

/** A deep linear net on one kind of data at its seeded initialization, with the curvatures and loss there. */
export interface HuangInstance {
  kind: DataKind;
  model: Model;
  data: Dataset;
  init: Tensor[];
  /** Top eigenvalue of the loss Hessian: η is measured in units of 2/λ_H0 (the study's λ0). */
  lambdaHessian0: number;
  /** Top NTK eigenvalue (engine normalization JJᵀ/m). */
  lambdaNtk0: number;
  loss0: number;
  o: HuangOptions;
}

/** The net of `layers` layers on `data`, initialized from `o.seed`. */
export function huangInstance(kind: DataKind, layers: number, data: Dataset, o: HuangOptions): HuangInstance {
  const model = deepLinearModel(layers, o.width, o.inputDim);
  checkTrainingFits(model, data.X.shape[0]);
  const init = initParams(model, o.seed);
  const lambdaHessian0 = hessianAt(model, init, data),
    lambdaNtk0 = lambdaAt(model, init, data);
  return { kind, model, data, init, lambdaHessian0, lambdaNtk0, loss0: evaluate(model, init, data).loss, o };
}

/** The flatness measure compared across η: the final top Hessian eigenvalue (per unit loss for separable data, stopped at a common loss level). */
export const flatness = (kind: DataKind, r: HuangRun) =>
  r.finalHessian === null ? NaN : kind === 'separable' ? r.finalHessian / r.finalLoss : r.finalHessian;

/** Options every run of a setting shares; separable runs stop at the common loss level target·L0 and are measured there. */
function runOptions(s: HuangInstance, etaUnits: number, steps: number) {
  const separable = s.kind === 'separable';
  return {
    lr: (2 * etaUnits) / s.lambdaHessian0,
    steps,
    momentum: 0,
    l2: 0,
    maxLoss: s.o.maxLoss,
    convergeFraction: separable ? s.o.separableTarget : 1e-12,
    stopAtConvergence: separable,
  };
}

/** Relative range of the loss over the last `window` steps under which a non-separable run counts as settled (and stops). */
export const SETTLE_WINDOW = 50,
  SETTLE_TOL = 1e-10;

/**
 * Stops a run once its loss has settled: reached the target (separable data, via stopAtConvergence), or varied by ≤ SETTLE_TOL
 * relative over the last SETTLE_WINDOW steps; `also` can end it earlier. `fired` says whether it settled.
 */
function settleWatch(kind: DataKind, also: (loss: number, t: number) => boolean = () => false) {
  const recent: number[] = [];
  const w = {
    fired: false,
    stopWhen: (r: { t: number; loss: number }) => {
      if (also(r.loss, r.t)) return true;
      if (kind === 'separable') return false;
      recent.push(r.loss);
      if (recent.length > SETTLE_WINDOW) recent.shift();
      w.fired = recent.length === SETTLE_WINDOW && Math.max(...recent) - Math.min(...recent) <= SETTLE_TOL * Math.abs(r.loss);
      return w.fired;
    },
  };
  return w;
}

/** Settled: reached the loss target (separable), stopped by the watcher, or varies by ≤ 1e-6 relative over the last tenth of a full-length run. */
function settled(kind: DataKind, loss: readonly number[], convergedAt: number | null, watcherFired: boolean): boolean {
  if (kind === 'separable') return convergedAt !== null;
  if (watcherFired) return true;
  const tail = loss.slice(-Math.max(2, Math.floor(loss.length / 10)));
  return Math.max(...tail) - Math.min(...tail) <= 1e-6 * Math.abs(tail[tail.length - 1]);
}

/** One GD run at η = etaUnits·2/λ_H0 until it settles, diverges or uses its budget, with the Hessian's top eigenvalue at the start and end. */
export function runAt(s: HuangInstance, etaUnits: number): HuangRun {
  const o = runOptions(s, etaUnits, s.o.steps);
  const watch = settleWatch(s.kind);
  const r = train(s.model, s.init, s.data, { ...o, eigEvery: 0, trackHessian: true, stopWhen: watch.stopWhen });
  const loss = r.records.map((x) => x.loss);
  const rose = r.peakLoss > r.loss0;
  const phase: HuangPhase = r.diverged
    ? 'divergent'
    : !settled(s.kind, loss, r.convergedAt, watch.fired)
      ? 'unsettled'
      : rose
        ? 'catapult'
        : 'lazy';
  const metrics = r.diverged ? { accuracy: NaN, meanMargin: NaN, minMargin: NaN } : evaluate(s.model, r.params, s.data);
  const withH = r.records.filter((x) => x.hessian !== undefined);
  return {
    etaUnits,
    eta: o.lr,
    phase,
    loss0: r.loss0,
    peakLoss: r.peakLoss,
    peakAt: loss.indexOf(r.peakLoss),
    finalLoss: loss[loss.length - 1],
    finalHessian: r.diverged ? null : r.finalHessian,
    finalNtk: r.diverged ? null : r.finalLambda,
    lastStep: r.records[r.records.length - 1].t,
    divergedAt: r.diverged?.step ?? null,
    accuracy: metrics.accuracy,
    meanMargin: metrics.meanMargin,
    minMargin: metrics.minMargin,
    t: r.records.map((x) => x.t),
    loss,
    hessianT: withH.map((x) => x.t),
    hessian: withH.map((x) => x.hessian!),
  };
}

/** Yes/no runs for the bisections, without eigenvalues, stopping as soon as the answer is known (or the loss settles). */
export function rises(s: HuangInstance, etaUnits: number): boolean {
  const watch = settleWatch(s.kind, (loss, t) => t > 0 && loss > s.loss0);
  const r = train(s.model, s.init, s.data, {
    ...runOptions(s, etaUnits, s.o.bisectSteps),
    eigEvery: 0,
    measureLambda: false,
    stopWhen: watch.stopWhen,
  });
  return r.peakLoss > r.loss0;
}
export function diverges(s: HuangInstance, etaUnits: number): boolean {
  const watch = settleWatch(s.kind);
  return (
    train(s.model, s.init, s.data, {
      ...runOptions(s, etaUnits, s.o.bisectSteps),
      eigEvery: 0,
      measureLambda: false,
      stopWhen: watch.stopWhen,
    }).diverged !== null
  );
}
