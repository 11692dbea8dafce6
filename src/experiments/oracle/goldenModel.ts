// The model a golden file's config.model describes: a base model, or the neural quadratic model of one at the file's init.
import type { Tensor } from '../../linalg/tensor';
import { AppliedModelConfig, Model, completeModelConfig, makeModel, quadraticConfig, quadraticModel } from '../../models';

/** The base model a quadratic config expands (the config itself for every other kind). */
function baseModel(m: AppliedModelConfig): Model {
  if (m.kind !== 'quadratic') return makeModel(completeModelConfig(m));
  if (m.base === undefined) throw new Error('a quadratic model needs its base model');
  return makeModel(completeModelConfig(m.base));
}

/**
 * What config.model describes without an expansion point: its full config and its parameters. A quadratic model has
 * its base's parameters, so the file's names and shapes can be checked before θ0 is read.
 *
 * @example
 * describedModel({ kind: 'quadratic', base: { kind: 'mlp', … }, inputDim: 3, outputs: 1 }).specs; // the mlp's
 */
export function describedModel(m: AppliedModelConfig): Pick<Model, 'config' | 'specs'> {
  const base = baseModel(m);
  return m.kind === 'quadratic' ? { config: quadraticConfig(base.config), specs: base.specs } : base;
}

/**
 * The model a golden run trained: config.model rebuilt, a quadratic one expanded at the file's init (training starts
 * at θ0, so the stored initial parameters are its expansion point).
 *
 * @example
 * const model = goldenModel(g.meta.config.model, g.init); train(model, g.init, data, …);
 */
export function goldenModel(m: AppliedModelConfig, init: readonly Tensor[]): Model {
  const base = baseModel(m);
  return m.kind === 'quadratic' ? quadraticModel(base, init) : base;
}
