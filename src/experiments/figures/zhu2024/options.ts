// The options of the neural-quadratic-model study (Zhu, Liu, Radhakrishnan, Belkin, ICLR 2024).
import type { Activation } from '../../../models';

export interface NqmOptions {
  /** The base network: a fully connected net of `depth` hidden layers, NTK parameterization, no biases. */
  width: number;
  depth: number;
  act: Activation;
  /** The step sizes as η·λ0, λ0 the NTK's top eigenvalue at θ0 (the same for the net, its NQM and its linearization). */
  etaLambda0s: number[];
  steps: number;
  /** λ_t (the NTK's top eigenvalue) every this many steps, for the net and the NQM (the linear model's is λ0). */
  eigEvery: number;
  seeds: number[];
  dataset: string;
  trainSize: number;
  testSize: number;
  /** Average-pooling per side (4: MNIST's 28×28 to 7×7) at CI size; 1 at --full. */
  pool: number;
  dataSeed: number;
}

/**
 * CI size: a width-512 one-hidden-layer ReLU net on 60 MNIST digits pooled to 7×7, ten step sizes across the three
 * phases (lazy below 2, catapult from 2 to 4 for the NQM, divergent above), two seeds.
 */
export const NQM_DEFAULTS: NqmOptions = {
  width: 512,
  depth: 1,
  act: 'relu',
  etaLambda0s: [0.5, 1, 1.5, 1.9, 2.5, 3, 3.5, 3.9, 4.5, 5.5],
  steps: 200,
  eigEvery: 10,
  seeds: [0, 1],
  dataset: 'mnist',
  trainSize: 60,
  testSize: 200,
  pool: 4,
  dataSeed: 0,
};

/** A wider net on 1,000 full-size digits, longer runs, three seeds. */
export const NQM_FULL: Partial<NqmOptions> = { width: 2048, trainSize: 1000, testSize: 1000, pool: 1, steps: 1000, seeds: [0, 1, 2] };

export interface SgdCatapultOptions {
  width: number;
  depth: number;
  act: Activation;
  /** SGD's batch sizes; one equal to trainSize is full-batch GD. */
  batches: number[];
  /** The fixed step as η·λ0 (λ0 the NTK's top eigenvalue on the whole training set at θ0). */
  etaLambda0: number;
  steps: number;
  seeds: number[];
  /** A spike is a rise of the training loss above (1 + spikeRise)× its last minimum (docs/spikes.md). */
  spikeRise: number;
  /** k of the top-k NTK eigenspace the residual's change is projected on. */
  spikeTop: number;
  /** The teacher data (`synthetic`: its true predictor, hence its AGOP, is known). */
  trainSize: number;
  testSize: number;
  inputDim: number;
  classes: number[];
  dataSeed: number;
}

/**
 * CI size: a width-128 ReLU net on 64 points of the two-class teacher in 10 dimensions, SGD at batches 4, 8, 16 and
 * the full 64 at η·λ0 = 2 (the full batch's edge: a small batch's NTK is sharper than the whole set's), two seeds.
 */
export const SGD_CATAPULT_DEFAULTS: SgdCatapultOptions = {
  width: 128,
  depth: 1,
  act: 'relu',
  batches: [4, 8, 16, 64],
  etaLambda0: 2,
  steps: 1000,
  seeds: [0, 1],
  spikeRise: 2,
  spikeTop: 5,
  trainSize: 64,
  testSize: 1000,
  inputDim: 10,
  classes: [0, 1],
  dataSeed: 0,
};

/** Wider, more data and seeds. */
export const SGD_CATAPULT_FULL: Partial<SgdCatapultOptions> = {
  width: 1024,
  trainSize: 512,
  batches: [8, 32, 128, 512],
  steps: 5000,
  seeds: [0, 1, 2, 3, 4],
};
