// The options of the edge-of-stability study: Cohen et al.'s fc nets and data, the step sizes, and each figure's budget.
import type { LossKind } from '../../../models';

export type EosAct = 'tanh' | 'relu';

/**
 * The nets and data every eos figure shares: Cohen et al.'s `fc-tanh`/`fc-relu` (standard parameterization, with
 * biases), on a balanced subset of MNIST, or of CIFAR-10 when `dataset` is `cifar10:DIR`.
 */
export interface EosNet {
  width: number;
  /** Hidden layers (Cohen et al.: 2, i.e. widths [200, 200]). */
  depth: number;
  /**
   * σ_w of every layer: W ~ N(0, σ_w²/fan_in). 1/√3 gives PyTorch's nn.Linear weight variance (uniform on ±1/√fan_in),
   * which Cohen et al.'s nets are initialized with; it starts flat enough that the sharpening is visible.
   */
  sigmaW: number;
  /** σ_b: biases ~ N(0, σ_b²) (PyTorch's are uniform on ±1/√fan_in, of order 0.04 for MNIST; 0 here). */
  sigmaB: number;
  trainSize: number;
  /**
   * Images are average-pooled by this factor per side (4: MNIST's 28×28 to 7×7), for the CI sizes only: 1 at the
   * paper's sizes. Pooled inputs are rescaled to unit RMS.
   */
  pool: number;
  /** The image data set (mnist unless the run gives --dataset). */
  dataset: string;
  dataSeed: number;
  seed: number;
}

export const EOS_NET: EosNet = {
  width: 32,
  depth: 2,
  sigmaW: 1 / Math.sqrt(3),
  sigmaB: 0,
  trainSize: 200,
  pool: 4,
  dataset: 'mnist',
  dataSeed: 0,
  seed: 0,
};
/** The paper's sizes: [200, 200] nets on 5,000 images. */
export const EOS_NET_FULL: Partial<EosNet> = { width: 200, trainSize: 5000, pool: 1 };

/** One GD setting of a figure: the activation, the loss, and η as a fraction of the stability edge at θ_0. */
export interface EosSetting {
  act: EosAct;
  loss: Extract<LossKind, 'mse' | 'ce'>;
}

export interface SharpeningOptions extends EosNet {
  acts: EosAct[];
  losses: EosSetting['loss'][];
  /**
   * Step sizes as fractions of the edge at initialization: η = c·2/S_0, S_0 the loss Hessian's top eigenvalue at θ_0.
   * Every c < 1 starts GD stable, so the edge can only be reached by the sharpening.
   */
  edgeFractions: number[];
  steps: number;
  /**
   * S is measured every this many steps (Lanczos on exact HVPs). Odd, so that the samples alternate between the two
   * phases of GD's period-2 oscillation at the edge: an even stride sees one phase only, and its median is biased.
   */
  eigEvery: number;
}

export const SHARPENING_DEFAULTS: SharpeningOptions = {
  ...EOS_NET,
  acts: ['tanh', 'relu'],
  losses: ['mse', 'ce'],
  edgeFractions: [0.6, 0.75, 0.9],
  steps: 400,
  eigEvery: 5,
};
export const SHARPENING_FULL: Partial<SharpeningOptions> = { ...EOS_NET_FULL, steps: 4000, eigEvery: 11 };

/** A figure that follows one setting for a while after it reaches the edge (flows, momentum, digits). */
export interface EdgeRunOptions extends EosNet, EosSetting {
  edgeFraction: number;
  steps: number;
  eigEvery: number;
  /** The flows' RK4 substeps are min(α/S, η): Cohen et al.'s rule with their α = 1 (two substeps a step at the edge). */
  flowAlpha: number;
}

export interface FlowsOptions extends EdgeRunOptions {
  /** θ of GD and of both flows are compared every this many steps (odd, for the reason of eigEvery). */
  compareEvery: number;
  /** GD's loss is averaged over a centred window of 2·⌊W/2⌋ + 1 steps before it is set against the central flow's prediction. */
  averageWindow: number;
  /** GD has left gradient flow once ‖θ_GD − θ_GF‖ exceeds this fraction of ‖θ_GF − θ_0‖. */
  leaveFraction: number;
}

const EDGE_RUN = { act: 'tanh', loss: 'mse', edgeFraction: 0.9, flowAlpha: 1 } as const;

export const FLOWS_DEFAULTS: FlowsOptions = {
  ...EOS_NET,
  ...EDGE_RUN,
  width: 16,
  trainSize: 100,
  steps: 150,
  eigEvery: 5,
  compareEvery: 5,
  averageWindow: 20,
  leaveFraction: 0.1,
};
export const FLOWS_FULL: Partial<FlowsOptions> = { ...EOS_NET_FULL, trainSize: 1000, steps: 2000, eigEvery: 1, compareEvery: 11 };

export interface MomentumOptions extends EosNet, EosSetting {
  /** Heavy ball: b ← γb + ∇L, θ ← θ − ηb; GD is stable on a quadratic of curvature S up to S = (2 + 2γ)/η. */
  momentum: number;
  /** η = c·(2 + 2γ)/S_0. */
  edgeFractions: number[];
  steps: number;
  eigEvery: number;
}

export const MOMENTUM_DEFAULTS: MomentumOptions = {
  ...EOS_NET,
  act: 'tanh',
  loss: 'mse',
  momentum: 0.9,
  edgeFractions: [0.6, 0.9],
  steps: 600,
  eigEvery: 5,
};
export const MOMENTUM_FULL: Partial<MomentumOptions> = { ...EOS_NET_FULL, steps: 4000, eigEvery: 11 };

export interface DigitsOptions extends EdgeRunOptions {
  /** GD's θ_0 is also run nudged by this many ulps in every entry: what another float64 implementation would start from. */
  nudgeUlps: number;
}

export const DIGITS_DEFAULTS: DigitsOptions = {
  ...EOS_NET,
  ...EDGE_RUN,
  width: 16,
  trainSize: 50,
  steps: 200,
  eigEvery: 5,
  nudgeUlps: 1,
};
export const DIGITS_FULL: Partial<DigitsOptions> = { ...EOS_NET_FULL, trainSize: 1000, steps: 2000, eigEvery: 1 };
