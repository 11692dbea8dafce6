// The golden file's format (schema `catapult-golden` v2): its name and version, the metadata and config a file carries,
// and the options a golden run records. A new field goes here and in schema/catapult-golden.schema.json.
import * as path from 'path';
import type { Tensor } from '../../linalg/tensor';
import { Values, int, omit } from '../../options';
import { AppliedModelConfig, OptimizerSettings, TRAIN_OPTIONS } from '../../models';
import type { LrReference, LrSpec } from '../run/lr';
import type { SetupInput } from '../run/setupOptions';

export const GOLDEN_SCHEMA = 'catapult-golden';
/**
 * 2: config.model and config.setup hold only the fields that apply to the run (no width for a cnn), and a gd run always
 * records its digits and chaos flag, which `check` recomputes.
 */
export const GOLDEN_SCHEMA_VERSION = 2;
/** The published JSON Schema of the metadata (docs/oracle.md: how to validate from Python). */
export const GOLDEN_SCHEMA_FILE = path.resolve(__dirname, '../../../../schema/catapult-golden.schema.json');

/** Everything in a golden file except its arrays (the JSON header of the .npz form). */
export interface GoldenMeta {
  schema: typeof GOLDEN_SCHEMA;
  schema_version: number;
  engine: string;
  /** Kernel backend that made the file; results do not depend on the thread count. */
  backend: { name: string; flavor: string };
  config: GoldenConfig;
  param_names: string[];
  param_shapes: number[][];
  /** SHA-256 (hex) of the float64 little-endian C-order bytes: the parameters in order; X then Y. */
  sha256: { init: string; data: string };
  result: {
    steps_run: number;
    diverged: { step: number; reason: string } | null;
    converged_at: number | null;
    phase: string;
    /** The tangent-linear rounding model's verdict (isChaotic), with `digits`; absent where it does not apply (Adam). */
    chaotic?: boolean;
  };
}

/** A golden trajectory in memory. Per-step arrays have steps_run + 1 entries; NaN where a value is absent. */
export interface Golden {
  meta: GoldenMeta;
  init: Tensor[];
  data: { X: Tensor; Y: Tensor };
  loss: Float64Array;
  /** λ_t, NaN where not measured. */
  lambda: Float64Array;
  paramNorm: Float64Array;
  /** f on the training set, shape [steps_run + 1, m, k]. */
  f: Tensor;
  /** Steps whose θ_t is stored, and per parameter a tensor [saves, ...shape]. */
  params: { t: number[]; values: Tensor[] };
  /**
   * Estimated reproducible digits of each step (the tangent-linear rounding model, digitsFromGrowth): how many digits a
   * rerun on other hardware can be expected to share. Null where the model does not apply (Adam).
   */
  digits: Float64Array | null;
  /** Under SGD (config.batch), the training rows of each update, shape [steps_run, batch]; null for full-batch runs. */
  batches: Tensor | null;
  /** Under SGD, the loss of step t's batch at θ_t (NaN at the last record); null for full-batch runs. */
  batchLoss: Float64Array | null;
  /** The file it was read from, for messages that name it (absent for a golden made in memory). */
  source?: string;
}

/**
 * The options a golden run records, under their saved names (config.steps, config.eig_every, …): the training
 * options (λ is the NTK's; `--track` is not recorded, so oracle refuses it) and how often θ_t is stored.
 */
export const ORACLE_OPTIONS = {
  ...omit(TRAIN_OPTIONS, 'trackHessian'),
  paramsEvery: int({
    flag: 'params-every',
    arg: 'K',
    help: 'store θ_t every K steps (0 = the initial parameters only)',
    min: 0,
    default: 0,
    saved: 'params_every',
  }),
} as const;

/** A golden run: η as given (absolute or Cx) and the recorded options. */
export type OracleOptions = { lr: LrSpec } & Values<typeof ORACLE_OPTIONS>;

/** The config of a golden file: the run's inputs, then every ORACLE_OPTIONS value under its saved name. */
export interface GoldenConfig {
  /** The fields that apply to the model's kind (appliedModelConfig); completeModelConfig makes it whole. */
  model: AppliedModelConfig;
  /** `{rng: 'numpy', seed}`: RandomState(seed) draws; `{file}`: read from --init. */
  init: { rng: 'numpy'; seed: number } | { file: string };
  /** The setup options that apply (appliedSetup), so `check` can regenerate the initialization and the data. */
  setup: SetupInput;
  data_source: string;
  lr: string;
  eta: number;
  lambda0: number;
  /** What a relative `lr` (Cx) refers to: C·2/lambda0 ('ntk', MSE) or C·2/hessian0 ('hessian', logistic and ce). */
  lr_reference: LrReference;
  /** The loss Hessian's top eigenvalue at θ_0 where it set η, else null. */
  hessian0: number | null;
  /** The update rule with its settings resolved (gd when absent, in files written before it). */
  optimizer?: GoldenOptimizer;
  /** steps, momentum, l2, eig_every, max_loss, converge, params_every (θ_t stored for t = 0, K, 2K, …; 0 = never). */
  [saved: string]: unknown;
}

/** config.optimizer: gd (its momentum is config.momentum), or Adam/AdamW with every setting resolved. */
export type GoldenOptimizer = { name: 'gd' } | { name: 'adam' | 'adamw'; beta1: number; beta2: number; eps: number; weight_decay: number };

/**
 * The optimizer as a golden file records it.
 *
 * @example
 * goldenOptimizer(optimizerSettings({ optimizer: 'adam' })); // { name: 'adam', beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0 }
 */
export function goldenOptimizer(s: OptimizerSettings): GoldenOptimizer {
  if (s.name === 'gd') return { name: 'gd' };
  return { name: s.name, beta1: s.beta1, beta2: s.beta2, eps: s.eps, weight_decay: s.weightDecay };
}

/** The training options a recorded optimizer stands for (gd where a file predates the field). */
export function optimizerOptions(g: GoldenOptimizer | undefined): Partial<Values<typeof ORACLE_OPTIONS>> {
  if (g === undefined || g.name === 'gd') return {};
  return { optimizer: g.name, beta1: g.beta1, beta2: g.beta2, eps: g.eps, weightDecay: g.weight_decay };
}
