// μP for the mlp (Yang et al., Tensor Programs V, Table 8, as microsoft/mup implements it): init, multiplier, rate per layer role.
import type { OptimizerName } from './optimizerOptions';

/** Where a parameter sits in an mlp: what μP scales it by. The input layer's bias counts as a hidden bias (TP5: "all biases"). */
export type MupRole = 'inputWeight' | 'hiddenBias' | 'hiddenWeight' | 'outputWeight' | 'outputBias';

/** What μP needs of the net: σ's, the widths, and the width ratio ñ = n/n0 against the base width n0. */
export interface MupScale {
  sigmaW: number;
  sigmaB: number;
  readoutSigmaW: number;
  inputDim: number;
  width: number;
  base: number;
}

interface MupRule {
  /** Standard deviation of the initialization. */
  std(s: MupScale): number;
  /** The forward multiplier of the parameter (of W·a for a weight, of b for a bias). */
  multiplier(ratio: number): number;
  /** The factor on η under SGD (gd, with or without momentum) and under Adam/AdamW. */
  sgd(ratio: number): number;
  adam(ratio: number): number;
}

/**
 * TP5 Table 8 with ñ = n/n0, so that at n = n0 every entry is the standard parameterization's (He-type std σ/√fan_in,
 * multiplier 1, rate 1). Input weights and biases: rate ñ under SGD; hidden weights: std σ_w/√n, rate 1/ñ under Adam;
 * output weights: std σ_r/√n0 (constant in n), multiplier 1/ñ, rate ñ under SGD. mup's MuReadout multiplies the
 * readout's input, so the output bias keeps multiplier 1 and, having no width dimension, rate 1.
 */
export const MUP_RULES: { readonly [R in MupRole]: MupRule } = {
  inputWeight: { std: (s) => s.sigmaW / Math.sqrt(s.inputDim), multiplier: () => 1, sgd: (r) => r, adam: () => 1 },
  hiddenBias: { std: (s) => s.sigmaB, multiplier: () => 1, sgd: (r) => r, adam: () => 1 },
  hiddenWeight: { std: (s) => s.sigmaW / Math.sqrt(s.width), multiplier: () => 1, sgd: () => 1, adam: (r) => 1 / r },
  outputWeight: { std: (s) => s.readoutSigmaW / Math.sqrt(s.base), multiplier: (r) => 1 / r, sgd: (r) => r, adam: () => 1 },
  outputBias: { std: (s) => s.sigmaB, multiplier: () => 1, sgd: () => 1, adam: () => 1 },
};

/**
 * The μP role of an mlp parameter W_l or b_l, l = 0 … layers − 1.
 *
 * @example
 * mupRole('W', 0, 3); // 'inputWeight'
 */
export function mupRole(kind: 'W' | 'b', l: number, layers: number): MupRole {
  if (kind === 'b') return l === layers - 1 ? 'outputBias' : 'hiddenBias';
  return l === 0 ? 'inputWeight' : l === layers - 1 ? 'outputWeight' : 'hiddenWeight';
}

/** The μP role of each parameter of an mlp (W0, b0, W1, …), read from its name. */
function mlpRoles(specs: readonly { name: string }[]): MupRole[] {
  const layers = specs.filter((p) => p.name.startsWith('W')).length;
  return specs.map((p) => mupRole(p.name[0] as 'W' | 'b', Number(p.name.slice(1)), layers));
}

/**
 * Each parameter's μP factor on η under `optimizer` (1 for every parameter of a net not in μP).
 *
 * @example
 * mupRates(model.config, model.specs, 'adam'); // [1, 1, 1/ñ, 1, 1, 1] for W0, b0, W1, b1, W2, b2
 */
export function mupRates(
  c: { param: string; width: number; mupBase?: number },
  specs: readonly { name: string }[],
  optimizer: OptimizerName,
): number[] {
  if (c.param !== 'mup') return specs.map(() => 1);
  const ratio = c.width / (c.mupBase ?? 1);
  return mlpRoles(specs).map((role) => (optimizer === 'gd' ? MUP_RULES[role].sgd(ratio) : MUP_RULES[role].adam(ratio)));
}

/**
 * TP5 Table 3's μP learning rates, for a net with the standard initialization and multipliers, ñ = n/n0: SGD ñ for the
 * input weights and every bias but the readout's, 1 for the hidden weights, 1/ñ for the readout weights; Adam 1/ñ for
 * the hidden and readout weights, 1 for the rest. Table 8's (MUP_RULES) differ on the readout only, whose multiplier
 * 1/ñ carries the rest.
 */
export const TABLE3_RATES: { readonly [R in MupRole]: Pick<MupRule, 'sgd' | 'adam'> } = {
  inputWeight: { sgd: (r) => r, adam: () => 1 },
  hiddenBias: { sgd: (r) => r, adam: () => 1 },
  hiddenWeight: { sgd: () => 1, adam: (r) => 1 / r },
  outputWeight: { sgd: (r) => 1 / r, adam: (r) => 1 / r },
  outputBias: { sgd: () => 1, adam: () => 1 },
};

/**
 * Each mlp parameter's factor on η from TABLE3_RATES at width ratio ñ.
 *
 * @example
 * table3Rates(model.specs, 'adam', 4); // [1, 1, 0.25, 1, 0.25, 1] for W0, b0, W1, b1, W2, b2
 */
export function table3Rates(specs: readonly { name: string }[], optimizer: OptimizerName, ratio: number): number[] {
  return mlpRoles(specs).map((role) => (optimizer === 'gd' ? TABLE3_RATES[role].sgd(ratio) : TABLE3_RATES[role].adam(ratio)));
}
