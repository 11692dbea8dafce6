// The model config as a result file records it: only the fields that shape a model of its kind (and its initialization).
import type { ModelConfig } from './model';
import type { BaseKind, ModelKind } from './modelOptions';

/**
 * A recorded model config: the kind, its inputs and outputs, and whichever other fields apply to the kind; a quadratic
 * model records the model it expands, whole, under `base`.
 */
export type AppliedModelConfig = Pick<ModelConfig, 'kind' | 'inputDim' | 'outputs'> &
  Partial<Omit<ModelConfig, 'base'>> & { base?: AppliedModelConfig };

/** The fields each kind reads, besides kind, inputDim, outputs and loss (warmup and linear fix the rest, SM A). */
export const KIND_FIELDS: { readonly [K in ModelKind]: readonly (keyof ModelConfig)[] } = {
  warmup: ['width'],
  linear: ['width'],
  mlp: ['width', 'depth', 'act', 'param', 'sigmaW', 'sigmaB', 'readoutSigmaW', 'bias', 'norm', 'mupBase'],
  cnn: ['arch', 'inputShape', 'param', 'sigmaW', 'sigmaB'],
  wrn: ['depth', 'widen', 'inputShape', 'param', 'sigmaW', 'sigmaB'],
  quadratic: [],
};

/** The σ's: under NTK they scale the forward pass; under standard and μP they set the initial draw's std only. */
const SIGMAS: readonly (keyof ModelConfig)[] = ['sigmaW', 'sigmaB', 'readoutSigmaW'];

/**
 * The fields of `c` that apply to its kind and were used. The σ's of a standard or μP model whose initial parameters
 * came from a file are left out: they set only the std of a draw that did not happen.
 *
 * @example
 * appliedModelConfig(cnn.config, { initFromFile: false }); // no width, depth or act: a cnn has none
 */
export function appliedModelConfig(c: ModelConfig, o: { initFromFile: boolean }): AppliedModelConfig {
  if (c.kind === 'quadratic') {
    const base = appliedModelConfig({ ...c, kind: c.base!, base: undefined }, o);
    return { kind: c.kind, base, inputDim: c.inputDim, outputs: c.outputs, ...(c.loss !== undefined && { loss: c.loss }) };
  }
  const out: Record<string, unknown> = { kind: c.kind };
  const drawn = !o.initFromFile || c.param === 'ntk';
  for (const key of Object.keys(c) as (keyof ModelConfig)[]) {
    const applies = ['inputDim', 'outputs', 'loss'].includes(key) || KIND_FIELDS[c.kind].includes(key);
    const used = !SIGMAS.includes(key) || drawn;
    if (applies && used && c[key] !== undefined && !(key === 'mupBase' && c.param !== 'mup')) out[key] = c[key];
  }
  return out as AppliedModelConfig;
}

/**
 * A full ModelConfig for makeModel from a recorded one: fields that do not apply take values the kind never reads
 * (warmup and linear: SM A's fixed depth 1, identity, NTK, σ_w = 1, σ_b = 0; σ's not recorded: 1 and 0, which
 * set the std of a draw that does not happen).
 *
 * @example
 * makeModel(completeModelConfig({ kind: 'warmup', width: 100, inputDim: 1, outputs: 1 }));
 */
export function completeModelConfig(c: AppliedModelConfig): ModelConfig {
  const { base, ...own } = c;
  // A quadratic model's config is its base's with kind 'quadratic' and the base's kind (quadraticModel builds it).
  if (base !== undefined) return { ...completeModelConfig(base), ...own, kind: c.kind, base: base.kind as BaseKind };
  return { width: 1, depth: 1, act: 'identity', param: 'ntk', sigmaW: 1, sigmaB: 0, ...own };
}
