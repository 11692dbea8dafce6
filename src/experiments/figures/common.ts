// What the figures share: model setups, image subsets (the figure's data set, else fashion-mnist) and pooling, GD with defaults, the divergence-edge search, labels.
import { Dataset, firstRows, gaussianData, loadClassification, warmupData } from '../../data';
import {
  Activation,
  Model,
  Parameterization,
  TrainOptions,
  TrainResult,
  checkTrainingFits,
  initParams,
  lambdaAt,
  makeModel,
  train,
  warmupModel,
  linearModel,
} from '../../models';
import { Tensor, tensor } from '../../linalg/tensor';
import { Bracket, bisect } from '../sweep/bisect';

/** A model with its data and seeded initial parameters, and λ0 from Lanczos. */
export interface Instance {
  model: Model;
  data: Dataset;
  init: Tensor[];
  lambdaNtk0: number;
  /** Where λ is measured, when not on all of `data` (a fixed subset for large training sets). */
  lambdaData?: Dataset;
}

function instance(model: Model, data: Dataset, seed: number, lambdaData?: Dataset): Instance {
  checkTrainingFits(model, data.X.shape[0]);
  const init = initParams(model, seed);
  return { model, data, init, lambdaNtk0: lambdaAt(model, init, lambdaData ?? data), lambdaData };
}

/** A fully connected net (NTK parameterization unless `param` says otherwise) on `data`; λ on `lambdaData` if given. */
export function mlpInstance(
  c: { width: number; depth: number; act: Activation; sigmaW?: number; sigmaB?: number; param?: Parameterization },
  data: Dataset,
  seed: number,
  lambdaData?: Dataset,
): Instance {
  const model = makeModel({
    kind: 'mlp',
    width: c.width,
    depth: c.depth,
    act: c.act,
    param: c.param ?? 'ntk',
    sigmaW: c.sigmaW ?? Math.SQRT2,
    sigmaB: c.sigmaB ?? 0,
    outputs: data.Y.shape[1],
    inputDim: data.X.shape[1],
  });
  return instance(model, data, seed, lambdaData);
}

/** The warmup model of §2.1 (f = n^-1/2 vᵀu on x = 1, y = 0) at width n. */
export function warmupInstance(n: number, seed: number): Instance {
  const model = warmupModel(n);
  return instance(model, warmupData(), seed);
}

/** The linear model of §2.2 on m Gaussian samples in d dimensions with Gaussian labels. */
export function linearInstance(n: number, m: number, d: number, seed: number, dataSeed: number): Instance {
  const model = linearModel(n, d);
  return instance(model, gaussianData(m, d, 1, dataSeed), seed);
}

/** The data set of the figures whose defaults name none (the paper's MNIST figures name mnist). */
export const FIGURE_DATASET = 'fashion-mnist';

/**
 * A figure's data set: its `dataset` option (run's --dataset, else its default), or fashion-mnist.
 *
 * @example
 * figureDataset({ dataset: 'mnist' }); // 'mnist'
 */
export function figureDataset(o: { dataset?: string }): string {
  return o.dataset ?? FIGURE_DATASET;
}

/**
 * A balanced training subset of the figure's data set (`figureDataset`) and its first
 * `lambdaSamples` rows, where λ is measured (the subset is class-interleaved, so those rows are balanced too).
 *
 * @example
 * const { train, lambdaData } = imageSubsets({ trainSize: 500, lambdaSamples: 100, seed: 0, dataset: 'mnist' });
 */
export function imageSubsets(o: { trainSize: number; lambdaSamples: number; seed: number; dataset?: string }): {
  train: Dataset;
  lambdaData: Dataset;
  source: string;
} {
  const c = loadClassification(figureDataset(o), { trainSize: o.trainSize, testSize: 0, seed: o.seed });
  return { train: c.train, lambdaData: firstRows(c.train, o.lambdaSamples), source: c.source };
}

/** k×k average pooling of square images stored as rows, then one scalar rescale to unit std over the training rows. */
export function poolImages(train: Dataset, test: Dataset, k: number): [Dataset, Dataset] {
  if (k === 1) return [train, test];
  const side = Math.round(Math.sqrt(train.X.shape[1]));
  if (side * side !== train.X.shape[1] || side % k !== 0)
    throw new Error(`cannot pool ${train.X.shape[1]} inputs as a square image by ${k}`);
  const s = side / k;
  const pool = (d: Dataset): Dataset => {
    const m = d.X.shape[0],
      out = new Float64Array(m * s * s);
    for (let i = 0; i < m; i++)
      for (let r = 0; r < side; r++)
        for (let c = 0; c < side; c++) {
          out[i * s * s + Math.floor(r / k) * s + Math.floor(c / k)] += d.X.data[i * side * side + r * side + c] / (k * k);
        }
    return { X: tensor([m, s * s], out), Y: d.Y, source: `${d.source}, ${k}×${k}-pooled` };
  };
  const [a, b] = [pool(train), pool(test)];
  let ss = 0;
  for (const v of a.X.data) ss += v * v;
  const scale = 1 / Math.sqrt(ss / a.X.data.length);
  for (const d of [a, b]) for (let i = 0; i < d.X.data.length; i++) d.X.data[i] *= scale;
  return [a, b];
}

/** Full-batch GD from the instance's initialization; η is absolute. */
export function gd(inst: Instance, eta: number, o: Partial<TrainOptions> & { steps: number }): TrainResult {
  return train(inst.model, inst.init, inst.data, {
    lr: eta,
    lambdaData: inst.lambdaData,
    ...o, // the rest: TRAIN_OPTIONS' defaults (eigEvery 1, DIVERGENCE_LOSS, 1e-8·L0)
  });
}

/** Does GD (or SGD, through `extra`) diverge (loss > DIVERGENCE_LOSS or non-finite) within the budget? */
export function diverges(inst: Instance, etaLambda0: number, steps: number, extra: Partial<TrainOptions> = {}): boolean {
  return (
    gd(inst, etaLambda0 / inst.lambdaNtk0, { steps, eigEvery: 0, measureLambda: false, stopAtConvergence: true, ...extra }).diverged !==
    null
  );
}

/** A scan of η·λ0 for divergence, then bisection of its first stable-to-divergent step. */
export interface DivergenceEdge {
  scan: { etaLambda0: number; diverged: boolean }[];
  /** Bracket of the first edge in η·λ0. */
  edge: Bracket;
  /** The largest scanned η·λ0 that did not diverge (above the edge, it marks stable islands). */
  lastStable: number;
}

/**
 * Divergence need not switch on at a single η, so scan `grid` first, then bisect only the first edge.
 * `trial(c)` runs at η·λ0 = c and says whether it diverged.
 */
export function divergenceEdge(grid: readonly number[], trial: (c: number) => boolean, relTol: number, what: string): DivergenceEdge {
  const scan = grid.map((c) => ({ etaLambda0: c, diverged: trial(c) }));
  const first = scan.findIndex((p) => p.diverged);
  if (first < 1)
    throw new Error(`${what}: the divergence scan over η·λ0 ∈ [${grid[0]}, ${grid[grid.length - 1]}] has no stable-to-divergent edge`);
  const edge = bisect(trial, scan[first - 1].etaLambda0, scan[first].etaLambda0, relTol, what);
  const stable = scan.filter((p) => !p.diverged);
  return { scan, edge, lastStable: stable[stable.length - 1].etaLambda0 };
}

/** A run's per-step series, as fig2 and full keep them. */
export interface RunSeries {
  etaLambda0: number;
  eta: number;
  t: number[];
  loss: number[];
  lambda: number[];
}

/** A finished run's per-step series (λ NaN where it was not measured). */
export function runSeries(etaLambda0: number, eta: number, r: TrainResult): RunSeries {
  return {
    etaLambda0,
    eta,
    t: r.records.map((x) => x.t),
    loss: r.records.map((x) => x.loss),
    lambda: r.records.map((x) => x.lambda ?? NaN),
  };
}

/** η·λ0 formatted for labels. */
export function etaLabel(etaLambda: number): string {
  return `η·λ0 = ${Number(etaLambda.toFixed(3))}`;
}

/** The shape of a bias-free fc net trained on MSE: the rest of its config comes from the data. */
export interface BiasFreeMlp {
  width: number;
  /** Hidden layers. */
  depth: number;
  act: Activation;
  param: Parameterization;
  sigmaW: number;
  readoutSigmaW?: number;
}

/**
 * A bias-free fc net for MSE on `data` (outputs and inputs from its shapes), checked to fit, with θ_0 from `seed`.
 * @example
 * const s = biasFreeMlpSetup({ width: 64, depth: 1, act: 'relu', param: 'ntk', sigmaW: Math.SQRT2 }, data, 0);
 */
export function biasFreeMlpSetup(net: BiasFreeMlp, data: Dataset, seed: number): { model: Model; data: Dataset; init: Tensor[] } {
  const model = makeModel({
    kind: 'mlp',
    ...net,
    sigmaB: 0,
    bias: false,
    outputs: data.Y.shape[1],
    inputDim: data.X.shape[1],
    loss: 'mse',
  });
  checkTrainingFits(model, data.X.shape[0]);
  return { model, data, init: initParams(model, seed) };
}
