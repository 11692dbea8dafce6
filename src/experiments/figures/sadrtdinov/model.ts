// Sadrtdinov et al.'s scale-invariant net (layer-normalized, no biases, fixed last layer), its trained weights on the sphere, and the check of its scale invariance.
import { Tensor, tensor } from '../../../linalg/tensor';
import { kernels } from '../../../linalg/kernels';
import { Dataset } from '../../../data';
import { Model, evaluate, initParams, makeModel } from '../../../models';
import type { SadrtdinovOptions } from './options';

/** 784 (or pooled) → width^depth → 10, ReLU after a layer norm without gain or bias, no biases, softmax cross-entropy. */
export function sadrtdinovModel(o: Pick<SadrtdinovOptions, 'width' | 'depth' | 'lastLayerSigma'>, inputDim: number, outputs = 10): Model {
  return makeModel({
    kind: 'mlp',
    width: o.width,
    depth: o.depth,
    act: 'relu',
    param: 'standard',
    sigmaW: o.lastLayerSigma,
    sigmaB: 0,
    outputs,
    inputDim,
    loss: 'ce',
    bias: false,
    norm: 'layer',
  });
}

/** The indices of the trained (scale-invariant) parameters: every weight matrix but the last. */
export function trainableIndices(model: Model): number[] {
  return model.specs.slice(0, -1).map((_, i) => i);
}

/** ‖(W_0, …, W_{L−1})‖₂ jointly over the parameters `which`. */
export function sphereNorm(params: readonly Tensor[], which: readonly number[]): number {
  let s = 0;
  for (const i of which) {
    const n = kernels.dnrm2(params[i].data.length, params[i].data, 1, 0);
    s += n * n;
  }
  return Math.sqrt(s);
}

/** Rescales the parameters `which` jointly (in place) back onto the sphere of the given radius. */
export function projectOntoSphere(params: readonly Tensor[], which: readonly number[], radius: number): void {
  const scale = radius / sphereNorm(params, which);
  for (const i of which) kernels.dscal(params[i].data.length, scale, params[i].data, 1, 0);
}

/** The seeded standard initialization with the trainable weights rescaled onto the sphere (the function is unchanged: it is scale-invariant). */
export function sphereInit(model: Model, seed: number, radius: number): Tensor[] {
  const params = initParams(model, seed);
  projectOntoSphere(params, trainableIndices(model), radius);
  return params;
}

/** |loss(α·W) − loss(W)| / loss(W) over a few α, for the trainable weights jointly and for each one alone (the largest). */
export function scaleInvarianceError(model: Model, params: readonly Tensor[], data: Dataset, alphas = [1e-3, 0.5, 3, 1e3]): number {
  const base = evaluate(model, params, data).loss;
  let worst = 0;
  const groups = [trainableIndices(model), ...trainableIndices(model).map((i) => [i])];
  for (const group of groups)
    for (const a of alphas) {
      const scaled = params.map((p, i) =>
        group.includes(i)
          ? tensor(
              p.shape,
              p.data.map((v) => a * v),
            )
          : p,
      );
      worst = Math.max(worst, Math.abs(evaluate(model, scaled, data).loss - base) / base);
    }
  return worst;
}
