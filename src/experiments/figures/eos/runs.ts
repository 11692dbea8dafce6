// The eos study's runs: a setting's net and data, GD with its sharpness tracked, and where a trajectory meets the edge.
import { Tensor } from '../../../linalg/tensor';
import { StepRecord, TrainOptions, TrainResult, checkTrainingFits, hessianAt, initParams, makeModel } from '../../../models';
import { loadClassification } from '../../../data';
import type { Setup } from '../../run/setup';
import { poolImages } from '../common';
import { RunSummary, runTraining } from '../../run/run';
import { median, quantile } from '../../report/stats';
import type { EosNet, EosSetting } from './options';

/** A setting's model, data and θ_0, and S_0: the loss Hessian's top eigenvalue at θ_0 (what the step sizes are set from). */
export interface EosSetup extends EosSetting {
  setup: Setup;
  sharpness0: number;
  /** The seed of θ_0. */
  seed: number;
}

/**
 * Cohen et al.'s fc net of the setting on the study's data: standard parameterization, biases, one-hot targets.
 * @example
 * const s = eosSetup({ ...EOS_NET, width: 8, trainSize: 20 }, { act: 'tanh', loss: 'mse' });
 */
export function eosSetup(o: EosNet, setting: EosSetting): EosSetup {
  const c = loadClassification(o.dataset, { trainSize: o.trainSize, testSize: 0, seed: o.dataSeed });
  const [data] = poolImages(c.train, c.test, o.pool);
  const model = makeModel({
    kind: 'mlp',
    width: o.width,
    depth: o.depth,
    act: setting.act,
    param: 'standard',
    sigmaW: o.sigmaW,
    sigmaB: o.sigmaB,
    outputs: data.Y.shape[1],
    inputDim: data.X.shape[1],
    loss: setting.loss,
  });
  checkTrainingFits(model, data.X.shape[0]);
  const init = initParams(model, o.seed);
  return { ...setting, setup: { model, data, init }, sharpness0: hessianAt(model, init, data), seed: o.seed };
}

/** One run of a figure: what `catapult train` would write for it, and the θ_0 and data a peer replays it from. */
export interface EosRun extends EosSetting {
  /** The run's directory name under runs/. */
  name: string;
  eta: number;
  momentum: number;
  /** The edge of this optimizer: 2/η for GD, (2 + 2γ)/η for heavy ball. */
  edge: number;
  result: TrainResult;
  summary: RunSummary;
  /** The run's model, data and θ_0 (setup.init: the seeded θ_0 or the one the run was given). */
  setup: Setup;
}

/** GD's stability edge for a curvature: (2 + 2γ)/η with heavy-ball momentum γ (2/η without). */
export const edgeOf = (eta: number, momentum = 0) => (2 + 2 * momentum) / eta;

/**
 * Trains a setting from `init` (its seeded θ_0 unless given) at η with the sharpness measured every `eigEvery` steps;
 * `seed` is what summary.json records (null for a θ_0 that is not the seeded one).
 * @example
 * const r = eosRun(s, 'tanh-mse-0.9', { lr: 0.5, steps: 100, eigEvery: 5 });
 */
export function eosRun(
  s: EosSetup,
  name: string,
  o: Omit<TrainOptions, 'trackHessian'>,
  from: { init: Tensor[]; seed: number | null } = { init: s.setup.init, seed: s.seed },
): EosRun {
  const run: Setup = { ...s.setup, init: from.init };
  const { eta, result, summary } = runTraining(run, { ...o, lr: { value: o.lr, unit: 'abs' }, trackHessian: true }, from.seed);
  const momentum = o.momentum ?? 0;
  return { act: s.act, loss: s.loss, name, eta, momentum, edge: edgeOf(eta, momentum), result, summary, setup: run };
}

/** The sharpness where it was measured: steps and S_t. */
export function sharpnessSeries(r: TrainResult): { t: number[]; S: number[] } {
  const kept = r.records.filter((x): x is StepRecord & { hessian: number } => x.hessian !== undefined);
  return { t: kept.map((x) => x.t), S: kept.map((x) => x.hessian) };
}

/**
 * A flow's S·η/2 (the S its RK4 steps follow) at the recorded steps from `from` on; none when `from` is null (GD never
 * reached the edge, so there is nothing to compare from).
 * @example
 * const held = flowEdgeRatios(centralRun, edgeStats(gd.result, gd.edge).crossedAt);
 */
export function flowEdgeRatios(r: EosRun, from: number | null): number[] {
  return r.result.records.filter((x) => from !== null && x.t >= from && x.sharpness !== undefined).map((x) => (x.sharpness! * r.eta) / 2);
}

/** How a trajectory meets its edge: when S first reaches it, how S sits there afterwards, and what the loss does. */
export interface EdgeStats {
  /** The first measured step with S ≥ edge, or null (the run never reached it). */
  crossedAt: number | null;
  /** S/edge over the measured steps from the crossing on: median and the 10–90 % band; null without a crossing. */
  ratio: { median: number; p10: number; p90: number; count: number } | null;
  lossAtCrossing: number | null;
  finalLoss: number;
  /** After the crossing: the fraction of steps whose loss rose, and the largest one-step rise L_{t+1}/L_t. */
  riseFraction: number | null;
  largestRise: number | null;
}

/**
 * Where the run's sharpness meets `edge` (2/η, or (2 + 2γ)/η with momentum) and what follows.
 * @example
 * const e = edgeStats(run.result, run.edge); // e.crossedAt, e.ratio?.median
 */
export function edgeStats(r: TrainResult, edge: number): EdgeStats {
  const { t, S } = sharpnessSeries(r);
  const first = S.findIndex((v) => v >= edge);
  const finalLoss = r.records[r.records.length - 1].loss;
  if (first < 0) return { crossedAt: null, ratio: null, lossAtCrossing: null, finalLoss, riseFraction: null, largestRise: null };
  const crossedAt = t[first];
  const ratios = S.slice(first).map((v) => v / edge);
  const after = r.records.filter((x) => x.t >= crossedAt).map((x) => x.loss);
  const rises = after.slice(1).map((l, i) => l / after[i]);
  return {
    crossedAt,
    ratio: { median: median(ratios), p10: quantile(ratios, 0.1), p90: quantile(ratios, 0.9), count: ratios.length },
    lossAtCrossing: after[0],
    finalLoss,
    riseFraction: rises.length ? rises.filter((x) => x > 1).length / rises.length : null,
    largestRise: rises.length ? Math.max(...rises) : null,
  };
}
