// The options of the Huang et al. study: data, nets, η grid, step budgets and bisection tolerance.

export type DataKind = 'degenerate' | 'separable' | 'nonseparable';
export const DATA_KINDS: readonly DataKind[] = ['degenerate', 'separable', 'nonseparable'];

export interface HuangOptions {
  kinds: DataKind[];
  /** Layers L of f(x) = W_L⋯W_1 x (L − 1 hidden layers). */
  depths: number[];
  width: number;
  inputDim: number;
  samples: number;
  /** Fraction of labels flipped for the degenerate and non-separable data (what makes them non-separable). */
  labelNoise: number;
  /** Separable data keep only points with |u·x|·√d ≥ margin (x ~ N(0, I/d), u the teacher direction). */
  margin: number;
  /** η in units of 2/λ0, i.e. η·λ0/2. */
  grid: number[];
  /** Grid point whose run is "the small η" the catapult is compared with. */
  smallEta: number;
  steps: number;
  /** Step budget of the bisection runs (they stop at the first rise or divergence). */
  bisectSteps: number;
  /** Bisection stops once the bracket is this narrow, relative to its upper end. */
  relTol: number;
  /** Separable data have their minimum at infinity: runs stop (and are compared) once the loss is ≤ this·L0. */
  separableTarget: number;
  /** A loss above this ends a run as divergent (the logistic loss grows only like |f|, so this means |f| ~ 10⁶). */
  maxLoss: number;
  seed: number;
  dataSeed: number;
}

export const HUANG_DEFAULTS: HuangOptions = {
  kinds: [...DATA_KINDS],
  depths: [2, 3, 4],
  width: 50,
  inputDim: 10,
  samples: 100,
  labelNoise: 0.2,
  margin: 0.1,
  grid: [0.25, 0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 6],
  smallEta: 0.5,
  steps: 1500,
  bisectSteps: 1500,
  relTol: 0.003,
  separableTarget: 1e-2,
  maxLoss: 1e6,
  seed: 0,
  dataSeed: 0,
};
export const HUANG_FULL: Partial<HuangOptions> = {
  width: 100,
  samples: 200,
  inputDim: 20,
  steps: 4000,
  bisectSteps: 4000,
  relTol: 0.001,
  grid: [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 5, 6, 8, 12, 16],
};
