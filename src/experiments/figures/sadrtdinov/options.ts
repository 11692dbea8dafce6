// The options of the Sadrtdinov et al. study: net, data, η grid, epochs of the initial phase, fine-tuning and SWA, the sphere; default and full sizes.
import { logspace } from '../../report/stats';

export interface SadrtdinovOptions {
  /** Hidden units per layer; every hidden layer is layer-normalized, so its incoming weights are scale-invariant. */
  width: number;
  /** Hidden layers (their weights W_0 … W_{depth−1} are trained on the sphere; the last layer stays fixed). */
  depth: number;
  trainSize: number;
  testSize: number;
  /** Average-pool the 28×28 images by this factor (1 = none), to cut the first layer's cost in CI-size runs. */
  pool: number;
  /** Initial (effective) learning rates, ascending. */
  grid: number[];
  batchSize: number;
  /** Epochs of the initial phase at the grid's η. */
  epochs: number;
  /** SWA averages the weights after every step of the last `swaEpochs` epochs of the initial phase; the regime is read off the same window. */
  swaEpochs: number;
  /** Fine-tuning: this many epochs at `fineTuneLr`, from the end of the initial phase. */
  fineTuneLr: number;
  fineTuneEpochs: number;
  /** Radius of the sphere that holds the trainable weights jointly; with radius 1, η is the effective learning rate. */
  radius: number;
  /** σ_w of the fixed last layer (std σ_w/√width): logits start O(σ_w). */
  lastLayerSigma: number;
  seed: number;
  /** The data set (a --dataset spec); absent: fashion-mnist. Optional, so the default runs' outputs, which list the options, stay as they were. */
  dataset?: string;
}

export const SADRTDINOV_DEFAULTS: SadrtdinovOptions = {
  width: 128,
  depth: 2,
  trainSize: 1000,
  testSize: 2000,
  pool: 2,
  grid: logspace(3e-4, 3, 11),
  batchSize: 50,
  epochs: 80,
  swaEpochs: 20,
  fineTuneLr: 3e-4,
  fineTuneEpochs: 20,
  radius: 1,
  lastLayerSigma: Math.SQRT2,
  seed: 0,
};
/** Closer to the paper: 32 initial learning rates reaching further down, more data and epochs, full-resolution images (hours here). */
export const SADRTDINOV_FULL: Partial<SadrtdinovOptions> = {
  width: 256,
  trainSize: 5000,
  testSize: 5000,
  pool: 1,
  grid: logspace(1e-4, 3, 32),
  epochs: 300,
  swaEpochs: 40,
  fineTuneLr: 1e-4,
  fineTuneEpochs: 60,
};
