// What a training run takes beyond its declared settings and what it returns: hooks, step records, the result.
import type { Tensor } from '../linalg/tensor';
import type { Dataset } from '../data';
import type { Phase } from './phase';
import type { ScheduleSettings, TrainSettings } from './trainOptions';
import type { TrainState } from './trainState';

/** How a run is driven beyond the declared settings (library use: figures, sweeps, golden files). */
export interface TrainHooks {
  /** False skips λ altogether, even at the ends (trial runs that only ask whether GD diverges). */
  measureLambda?: boolean;
  /** Stop at convergence instead of running all steps. */
  stopAtConvergence?: boolean;
  /**
   * Under SGD (`batch`), record the step's batch loss as `loss` and measure λ on the batch, with no pass over the whole
   * training set: the figures' protocol, one forward a step. Default false: `loss` and λ are the training set's.
   */
  batchLossOnly?: boolean;
  /** Each parameter's factor on η, on top of --layer-lr and μP's (a study's own layerwise rates). */
  rates?: readonly number[];
  /** Measure λ on this data instead of the step's batch (a fixed subset keeps λ_t comparable across SGD steps). */
  lambdaData?: Dataset;
  /** Keep a copy of the outputs f (m×k, row-major) in every record. */
  recordOutputs?: boolean;
  /** Keep a copy of the parameters θ_t in every record (for trajectory plots; costs memory). */
  recordParams?: boolean;
  /** With `recordParams`, keep θ_t only when t is a multiple of this (default 1), so long runs stay in memory. */
  recordParamsEvery?: number;
  /** Ends the run after this record when it returns true (e.g. once the loss first rises). */
  stopWhen?: (r: StepRecord, previous: StepRecord | undefined) => boolean;
  /**
   * Sees θ_t as soon as the loss at θ_t is known, before anything moves θ: views into the live parameters (copy what
   * is kept), with that loss (the record's, L2 term included) and, under SGD, the rows update t will take (null under
   * GD). Spike analysis keeps θ only at a few steps this way.
   */
  watchParams?: (t: number, loss: number, params: readonly Float64Array[], rows: Int32Array | null) => void;
  /** Called after each recorded step (progress, streaming output). */
  onStep?: (r: StepRecord) => void;
  /**
   * False keeps only the first and the last two records (stream the rest through `onStep`), so a run of any length
   * holds O(1) records; default true.
   */
  keepRecords?: boolean;
  /**
   * Hands the run's state to `save` at the start of every step t ≥ 1 that is a multiple of `every` (a copy: `save` may
   * keep it), so that a run given it as `resume` continues bitwise as this one goes on.
   */
  checkpoint?: { every: number; save: (state: TrainState) => void };
  /**
   * Continue a run from a state its `checkpoint.save` was given, with the same settings (`steps` may be larger): the
   * records from the state's step on are those the uninterrupted run has. `init` is then only the shape of θ.
   */
  resume?: TrainState;
}

/** A run: the learning rate η (absolute), any declared settings (the rest take their defaults, see TRAIN_OPTIONS), and hooks. */
export type TrainOptions = { lr: number } & Partial<TrainSettings> & ScheduleSettings & TrainHooks;

export interface StepRecord {
  t: number;
  loss: number;
  /**
   * Under SGD (`batch`), the loss of the rows of update t at θ_t (the loss the step descends); absent at the last step
   * of the budget (a run stopped early by `stopWhen` or convergence keeps it at its last record, drawn but not stepped).
   */
  batchLoss?: number;
  /** Under SGD, the training rows of update t (θ_t → θ_{t+1}); absent where no update follows. */
  batch?: Int32Array;
  /** ‖θ_t‖₂ over all parameters. */
  paramNorm: number;
  /** Physical time Σ_{s<t} η_s, with a learning-rate decay only (t·η otherwise). */
  time?: number;
  /** Top NTK eigenvalue at θ_t, where measured. */
  lambda?: number;
  /** Top eigenvalue of the loss Hessian at θ_t (with `trackHessian`), where measured. */
  hessian?: number;
  /** With a flow: the sharpness S at θ_t (the top loss-Hessian eigenvalue the RK4 step size is set by). */
  sharpness?: number;
  /** With the central flow: σ² at θ_t (0 off the edge); the time-averaged GD loss is predicted as loss + σ²/η. */
  sigma2?: number;
  /** f on the training set at θ_t (with `recordOutputs`). */
  outputs?: Float64Array;
  /** θ_t (with `recordParams`). */
  params?: Float64Array[];
}

export interface TrainResult {
  records: StepRecord[];
  lambdaNtk0: number;
  loss0: number;
  peakLoss: number;
  /** First step with loss ≤ convergeFraction · L0, or null. */
  convergedAt: number | null;
  /** Set when the run diverged: the step and why. */
  diverged: { step: number; reason: string } | null;
  /** The phase this run reached, judged from its trajectory (not from η·λ0); under SGD the losses are minibatch losses, so it is only indicative. */
  phase: Phase;
  finalLambda: number | null;
  /** Top Hessian eigenvalue at θ_0 and at the last measured step (with `trackHessian`; NaN and null otherwise). */
  lambdaHessian0: number;
  finalHessian: number | null;
  params: Tensor[];
}
