// The neural quadratic model (Zhu et al., ICLR 2024): a model's second-order Taylor expansion in its weights at θ0, recorded on the tape.
import { Tensor, sameShape, shapeString } from '../linalg/tensor';
import { Tape, ops, replayJets } from '../autodiff';
import type { Var } from '../autodiff';
import type { Model, ModelConfig } from './model';
import type { BaseKind } from './modelOptions';
import { modelSize } from './memory';

/**
 * Values the quadratic model's tape holds per value of the base's forward pass: the base's recorded pass at θ0, its
 * replay, the first- and second-order parts and the products that make them (a bilinear op's jet costs five of its
 * own products, an elementwise one's four). Measured on an mlp: test/models/quadratic.test.ts checks the estimate.
 */
export const QUADRATIC_TAPE_FACTOR = 8;

/** Refuses an expansion point that does not fit the base model's parameters. */
function checkAnchor(base: Model, theta0: readonly Tensor[]): void {
  if (theta0.length !== base.specs.length)
    throw new Error(`the quadratic model needs θ0 as ${base.specs.length} arrays (the ${base.config.kind} model's), got ${theta0.length}`);
  base.specs.forEach((s, i) => {
    if (!sameShape(theta0[i].shape, s.shape))
      throw new Error(
        `the quadratic model's θ0 array '${s.name}' has shape ${shapeString(theta0[i].shape)}, expected ${shapeString(s.shape)}`,
      );
    if (!theta0[i].data.every(Number.isFinite))
      throw new Error(`the quadratic model's θ0 array '${s.name}' contains NaN or infinite values`);
  });
}

/**
 * The config of the quadratic model of a base model with config `base`: the base's fields, its kind under `base`.
 *
 * @example
 * quadraticConfig(mlp.config); // { ...mlp.config, kind: 'quadratic', base: 'mlp' }
 */
export function quadraticConfig(base: ModelConfig): ModelConfig {
  if (base.kind === 'quadratic') throw new Error('the quadratic model expands a base model, not another quadratic model');
  return { ...base, kind: 'quadratic', base: base.kind as BaseKind };
}

/**
 * The neural quadratic model of `base` at `theta0`: f_q(θ) = f(θ0) + J(θ0)Δ + ½·D²f(θ0)[Δ, Δ] with Δ = θ − θ0, exactly
 * (no finite differences). Its forward pass records the base's at θ0 and replays it as second-order jets (jets.ts)
 * along Δ, so every part is an ordinary primitive on the caller's tape: its VJP is J(θ0)ᵀw + (Σ_i w_i ∇²f_i(θ0))Δ,
 * and training, λ (the NTK of f_q) and the loss Hessian need nothing of their own. The parameters are θ, with the
 * base's specs; training starts at θ = θ0 (Δ = 0), where f_q and its Jacobian equal the base's. θ0 is copied.
 *
 * @example
 * const base = makeModel({ kind: 'mlp', width: 512, … }); const theta0 = initParams(base, 0);
 * const nqm = quadraticModel(base, theta0); train(nqm, theta0, data, { lr: 3 / lambdaAt(base, theta0, data), steps: 100 });
 */
export function quadraticModel(base: Model, theta0: readonly Tensor[]): Model {
  const config = quadraticConfig(base.config);
  checkAnchor(base, theta0);
  const anchor = theta0.map((p) => ({ shape: p.shape.slice(), data: p.data.slice() }));
  const forward = (params: readonly Var[], X: Var): Var => {
    const tape = X.tape;
    const source = new Tape();
    const f0 = base.forward(
      anchor.map((p) => source.param(p)),
      source.constant(X.value),
    );
    // The replay reads the source's values that no parameter reaches (a cnn's patches of X) as constants.
    tape.adopt(source);
    const jet = replayJets(f0, tape, (i, value) => ({ v: tape.constant(value), t1: ops.sub(params[i], tape.constant(value)), t2: null }));
    const linear = jet.t1 === null ? jet.v : ops.add(jet.v, jet.t1);
    return jet.t2 === null ? linear : ops.add(linear, ops.scale(jet.t2, 0.5));
  };
  return {
    config,
    specs: base.specs,
    forward,
    activationsPerSample: QUADRATIC_TAPE_FACTOR * modelSize(base).hidden,
  };
}
