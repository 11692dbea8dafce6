// The options of the early-training phase diagram (Kalra & Barkeshli 2023): their nets, data, horizon, grid and panels.
import { DEFAULT_CRITICAL_GRID } from '../../sweep/criticalGrid';

/** The two panels: full-batch GD, and SGD at `batch` rows a step (K&B's own runs are SGD with batch 512). */
export type PhasePanel = 'gd' | 'sgd';
export const PHASE_PANELS: readonly PhasePanel[] = ['gd', 'sgd'];

export interface PhaseDiagramOptions {
  /** K&B's depth d: the number of weight layers (d − 1 hidden layers, then the readout). */
  depths: number[];
  widths: number[];
  /** θ_0's seeds; under SGD the same seed also orders the batches (--batch-seed). */
  seeds: number[];
  panels: PhasePanel[];
  /** SGD's batch (rows a step, epochs without replacement). */
  batch: number;
  /** T: each c is judged over steps 1 … T. */
  horizon: number;
  /** The grid of c = η·λ_H0, as `phase-sweep --cs` takes it (K&B's: 2^x, x = 0, 0.1, …). */
  grid: string;
  /** σ_w of the hidden layers (K&B: σ_w² = 2); the readout has σ_w = 1, as in their notebook. */
  sigmaW: number;
  readoutSigmaW: number;
  /** The image data set (mnist unless the run gives --dataset; K&B train on CIFAR-10). */
  dataset: string;
  trainSize: number;
  /** Average-pooling per side before the per-example standardization (1 at the paper's sizes). */
  pool: number;
  dataSeed: number;
}

/**
 * CI size: d/w from 2/64 to 4/16 on 40 MNIST images pooled to 7×7. A sweep stops at its first divergence, so its cost
 * is set by c_max; the one-hidden-layer nets here survive c up to 2^7 and more (their ReLUs die rather than diverge), so
 * the CI grid ends at 2^6 in steps of 2^0.25 (K&B's 2^0.1 steps at --full): at most 25 points of 10 steps.
 */
export const PHASE_DIAGRAM_DEFAULTS: PhaseDiagramOptions = {
  depths: [2, 4],
  widths: [16, 64],
  seeds: [0, 1],
  panels: ['gd', 'sgd'],
  batch: 10,
  horizon: 10,
  grid: '2^0:6:0.25',
  sigmaW: Math.SQRT2,
  readoutSigmaW: 1,
  dataset: 'mnist',
  trainSize: 40,
  pool: 4,
  dataSeed: 0,
};

/** K&B's sizes: depths 2, 4, 8 and widths 256 … 2048 on 5,000 images, SGD at batch 512. */
export const PHASE_DIAGRAM_FULL: Partial<PhaseDiagramOptions> = {
  depths: [2, 4, 8],
  widths: [256, 512, 1024, 2048],
  seeds: [0, 1, 2],
  batch: 512,
  trainSize: 5000,
  pool: 1,
  grid: DEFAULT_CRITICAL_GRID,
};
