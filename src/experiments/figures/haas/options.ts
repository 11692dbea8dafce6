// The options of the Haas et al. study: widths, losses, data, SGD budget, η search and curvature probes, at default, full and CI sizes.
import type { LossKind } from '../../../models';

/**
 * The update rules the study compares: SGD or Adam (torch.optim's defaults), each with one global η or with layerwise
 * rates, TP5 Table 3's μP rates on the standard initialization (ñ = n / the study's smallest width; see haasRates).
 */
export const HAAS_RULES = ['sgd', 'adam', 'sgd-layerwise', 'adam-layerwise'] as const;
export type HaasRule = (typeof HAAS_RULES)[number];

export interface HaasOptions {
  widths: number[];
  losses: LossKind[];
  rules: HaasRule[];
  /** Balanced training subset of the data set (fashion-mnist unless `dataset` says otherwise) (all 10 classes) and the SGD minibatch size. */
  trainSize: number;
  batch: number;
  /** SGD steps of every trial run. */
  steps: number;
  /** Average-pool the images by this factor (1 = 28×28). */
  pool: number;
  /** Initialization seeds; each gives its own η_max per width. */
  seeds: number[];
  /** First η of the upward scan (×2 per trial until unstable), then `refine` halvings of the log-bracket; Adam's own start. */
  etaStart: number;
  adamEtaStart: number;
  refine: number;
  /** A run is stable when it never blows up and its final training loss is below this fraction of the best constant predictor's. */
  stableFraction: number;
  /** λ0 (NTK) and λ_H0 (loss Hessian) at initialization are measured on this many training rows. */
  curvatureSamples: number;
  /** λ_H0 is skipped above this many parameters (its Lanczos basis lives in parameter space). */
  hessianMaxParams: number;
  /** The data set (a --dataset spec); absent: fashion-mnist. Optional, so the default runs' outputs, which list the options, stay as they were. */
  dataset?: string;
}

/** The widths, 256 … 8192, one seed: about 80 min per rule on 2 threads here (width 8192 is 58 of them). */
export const HAAS_DEFAULTS: HaasOptions = {
  widths: [256, 512, 1024, 2048, 4096, 8192],
  losses: ['mse', 'ce'],
  rules: [...HAAS_RULES],
  trainSize: 1500,
  batch: 64,
  steps: 200,
  pool: 4,
  seeds: [0],
  etaStart: 1 / 64,
  adamEtaStart: 2 ** -16,
  refine: 5,
  stableFraction: 0.8,
  curvatureSamples: 256,
  hessianMaxParams: 2 ** 22,
};
export const HAAS_FULL: Partial<HaasOptions> = { widths: [256, 512, 1024, 2048, 4096, 8192, 16384], seeds: [0, 1, 2] };
/** CI sizes (the test): widths 64–256, three seeds, SGD, a few minutes in all. */
export const HAAS_SMALL: Partial<HaasOptions> = { widths: [64, 128, 256], seeds: [0, 1, 2], rules: ['sgd'] };
