// Huang et al.'s data (degenerate, separable, non-separable, labels ±1) and their deep linear nets.
import { tensor } from '../../../linalg/tensor';
import { RandomState } from '../../../random/randomState';
import { Dataset } from '../../../data';
import { Model, makeModel, validateTargets } from '../../../models';
import type { DataKind, HuangOptions } from './options';

/** A unit vector in d dimensions: the direction of the degenerate data and the teacher of the others. */
function unitVector(rng: RandomState, d: number): Float64Array {
  const u = rng.standardNormalArray(d);
  const norm = Math.sqrt(u.reduce((s, v) => s + v * v, 0));
  return u.map((v) => v / norm);
}

/**
 * Seeded binary data with labels ±1. degenerate: x_i = c_i u with c_i ~ N(0, 1), y_i = sign(c_i) flipped with probability
 * `labelNoise` (so not separable along u: ℓ(z) of the one coordinate z = w·u has a finite minimizer). separable: x ~ N(0, I/d),
 * y = sign(u·x), points with |u·x|·√d < margin redrawn. nonseparable: x ~ N(0, I/d), y = sign(u·x) flipped with probability `labelNoise`.
 */
export function huangData(kind: DataKind, o: Pick<HuangOptions, 'samples' | 'inputDim' | 'labelNoise' | 'margin' | 'dataSeed'>): Dataset {
  const [m, d] = [o.samples, o.inputDim];
  const rng = new RandomState(o.dataSeed);
  const u = unitVector(rng, d);
  const X = new Float64Array(m * d),
    Y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    if (kind === 'degenerate') {
      const c = rng.standardNormal();
      const flip = rng.randomDouble() < o.labelNoise;
      Y[i] = (c >= 0 ? 1 : -1) * (flip ? -1 : 1);
      for (let j = 0; j < d; j++) X[i * d + j] = c * u[j];
      continue;
    }
    let z: Float64Array, p: number;
    do {
      z = rng.standardNormalArray(d);
      p = z.reduce((s, v, j) => s + v * u[j], 0);
    } while (kind === 'separable' && Math.abs(p) < o.margin);
    const flip = kind === 'nonseparable' && rng.randomDouble() < o.labelNoise;
    Y[i] = (p >= 0 ? 1 : -1) * (flip ? -1 : 1);
    for (let j = 0; j < d; j++) X[i * d + j] = z[j] / Math.sqrt(d);
  }
  const what =
    kind === 'degenerate'
      ? `x = c·u, c ~ N(0, 1), labels sign(c) with ${o.labelNoise} flipped`
      : kind === 'separable'
        ? `x ~ N(0, I/${d}), labels sign(u·x), |u·x|·√d ≥ ${o.margin}`
        : `x ~ N(0, I/${d}), labels sign(u·x) with ${o.labelNoise} flipped`;
  const data = {
    X: tensor([m, d], X),
    Y: tensor([m, 1], Y),
    source: `${kind} (${m} samples in d = ${d}: ${what}; data seed ${o.dataSeed})`,
  };
  validateTargets('logistic', data);
  return data;
}

/** The L-layer deep linear net f(x) = W_L⋯W_1 x in NTK parameterization (σ_w = 1, no biases), logistic loss. */
export function deepLinearModel(layers: number, width: number, inputDim: number): Model {
  return makeModel({
    kind: 'mlp',
    width,
    depth: layers - 1,
    act: 'identity',
    param: 'ntk',
    sigmaW: 1,
    sigmaB: 0,
    outputs: 1,
    inputDim,
    loss: 'logistic',
    bias: false,
  });
}
