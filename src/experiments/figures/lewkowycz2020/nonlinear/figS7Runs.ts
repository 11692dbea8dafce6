// Fig. S7's options and runs: the single-sample net, its λ at t·η = 100 over the η grid, the trainability and cap edges (data only).
import { Tensor, tensor } from '../../../../linalg/tensor';
import { Dataset } from '../../../../data';
import { DIVERGENCE_LOSS, forwardPass } from '../../../../models';
import { Bracket } from '../../../sweep/bisect';
import { linspace } from '../../../report/stats';
import { Instance, RunSeries, divergenceEdge, diverges, etaLabel, gd, mlpInstance, runSeries } from '../../common';
import { Progress } from '../../spec';

export interface FigS7Options {
  width: number;
  seed: number;
  /** Physical time t·η at which λ is read (panel b). */
  horizon: number;
  /** Panel (b)'s grid of η·λ0; it is also the scan whose first edges are bisected. */
  grid: number[];
  /** η·λ0 of the trajectories in panel (a). */
  trajectories: number[];
  /** Physical time the trajectories of panel (a) run for. */
  trajectoryHorizon: number;
  /** A run stops once loss ≤ convergeFraction·L0: λ no longer moves after that. */
  convergeFraction: number;
  /** Bisection stops at this relative bracket width. */
  relTol: number;
}

export const FIGS7_DEFAULTS: FigS7Options = {
  width: 512,
  seed: 0,
  horizon: 100,
  grid: [0.2, 0.5, 1, 1.5, 1.8, ...linspace(2.2, 16, 70)],
  trajectories: [1, 3, 6, 9, 12],
  trajectoryHorizon: 20,
  convergeFraction: 1e-24,
  relTol: 1e-4,
};
export const FIGS7_FULL: Partial<FigS7Options> = { width: 2048 };

/** Caps on the loss: the engine's usual divergence threshold, and one high enough to let a run play out. */
const CAP = DIVERGENCE_LOSS,
  NO_CAP = 1e300;
/** A run has trained when its loss at the end is at most this fraction of L0. */
const TRAINED = 1e-8;

export type S7Outcome = 'trained' | 'dead' | 'diverged' | 'unconverged';

export interface S7Point {
  etaLambda0: number;
  eta: number;
  steps: number;
  /** λ at t·η = horizon (or where the run stopped at convergence or death), null when it diverged. */
  lambdaT: number | null;
  /** f at the end (null when diverged). */
  fT: number | null;
  outcome: S7Outcome;
  /** Active ReLUs (pre-activation > 0) per hidden layer at the end; null when diverged. */
  active: number[] | null;
  /** With the loss cap DIVERGENCE_LOSS lifted to 1e300: the outcome of runs that hit the cap. */
  uncapped: S7Outcome | null;
  peakLoss: number;
}

export interface FigS7Data {
  lambda0: number;
  f0: number;
  loss0: number;
  trajectories: RunSeries[];
  grid: S7Point[];
  /** First η·λ0 at which the run no longer trains (ends dead, diverged or unconverged), bisected. */
  trainEdge: Bracket;
  /** First η·λ0 at which the loss exceeds DIVERGENCE_LOSS within the horizon, bisected (null: none on the grid). */
  capEdge: Bracket | null;
}

/** The single sample x = 1 with label y = 1 (SM C.1). */
export function oneSample(): Dataset {
  return { X: tensor([1, 1], Float64Array.of(1)), Y: tensor([1, 1], Float64Array.of(1)), source: 'one sample: x = 1, y = 1' };
}

/**
 * Active ReLUs per hidden layer of an NTK-parameterized net at one input: a forward pass on plain arrays.
 * When the last hidden layer has none, f = σ_b·b_out (0 here) and every gradient vanishes: GD stays there for good.
 */
export function activeUnits(inst: Instance, params: readonly Tensor[], x: readonly number[]): number[] {
  const c = inst.model.config;
  if (c.kind !== 'mlp' || c.param !== 'ntk' || c.act !== 'relu') throw new Error('activeUnits: needs a ReLU mlp in NTK parameterization');
  let a = Float64Array.from(x);
  const counts: number[] = [];
  for (let l = 0; l < c.depth; l++) {
    const W = params[2 * l],
      b = params[2 * l + 1];
    const [nOut, nIn] = W.shape,
      alpha = c.sigmaW / Math.sqrt(nIn);
    const next = new Float64Array(nOut);
    let n = 0;
    for (let i = 0; i < nOut; i++) {
      let h = c.sigmaB * b.data[i];
      for (let j = 0; j < nIn; j++) h += alpha * W.data[i * nIn + j] * a[j];
      if (h > 0) {
        next[i] = h;
        n++;
      }
    }
    counts.push(n);
    a = next;
  }
  return counts;
}

/** One run to the horizon, stopped once trained; classified by where it ends. */
function classify(inst: Instance, eta: number, steps: number, o: FigS7Options, maxLoss: number) {
  const r = gd(inst, eta, {
    steps,
    eigEvery: 0,
    stopAtConvergence: true,
    convergeFraction: o.convergeFraction,
    maxLoss,
    recordOutputs: true,
  });
  if (r.diverged) return { r, outcome: 'diverged' as S7Outcome, active: null, fT: null };
  const active = activeUnits(inst, r.params, [1]);
  // Trained: the loss is down to the engine's usual 1e-8·L0 (the 1e-24 early stop only saves steps once λ is frozen).
  const loss = r.records[r.records.length - 1].loss;
  const outcome: S7Outcome = active[active.length - 1] === 0 ? 'dead' : loss <= TRAINED * r.loss0 ? 'trained' : 'unconverged';
  return { r, outcome, active, fT: r.records[r.records.length - 1].outputs![0] };
}

/** Steps of a run at η·λ0 = c that reaches physical time `horizon`. */
const stepsFor = (inst: Instance, c: number, horizon: number) => Math.ceil(horizon / (c / inst.lambdaNtk0));

function gridPoint(inst: Instance, c: number, o: FigS7Options): S7Point {
  const eta = c / inst.lambdaNtk0,
    steps = stepsFor(inst, c, o.horizon);
  const { r, outcome, active, fT } = classify(inst, eta, steps, o, CAP);
  // A loss above DIVERGENCE_LOSS need not mean divergence here: rerun without the cap to see where the run ends up.
  const uncapped = outcome === 'diverged' ? classify(inst, eta, steps, o, NO_CAP).outcome : null;
  return { etaLambda0: c, eta, steps, lambdaT: r.diverged ? null : r.finalLambda, fT, outcome, active, uncapped, peakLoss: r.peakLoss };
}

export function computeFigS7(o: FigS7Options, progress: Progress = () => {}): FigS7Data {
  const inst = mlpInstance({ width: o.width, depth: 2, act: 'relu', sigmaW: Math.SQRT2, sigmaB: 0 }, oneSample(), o.seed);
  const trajectories = o.trajectories.map((c, i): RunSeries => {
    progress((0.1 * i) / o.trajectories.length, `trajectory ${etaLabel(c)}`);
    const eta = c / inst.lambdaNtk0;
    const r = gd(inst, eta, { steps: stepsFor(inst, c, o.trajectoryHorizon), eigEvery: 1 });
    return runSeries(c, eta, r);
  });
  const grid = o.grid.map((c, i) => {
    progress(0.1 + (0.7 * i) / o.grid.length, `λ at t·η = ${o.horizon}, ${etaLabel(c)}`);
    return gridPoint(inst, c, o);
  });
  progress(0.8, 'bisecting the edges');
  const stepsAt = (c: number) => stepsFor(inst, c, o.horizon);
  const known = new Map(grid.map((g) => [g.etaLambda0, g]));
  const fails = (c: number) => (known.get(c)?.outcome ?? classify(inst, c / inst.lambdaNtk0, stepsAt(c), o, CAP).outcome) !== 'trained';
  const trainEdge = divergenceEdge(o.grid, fails, o.relTol, 'figS7 trainability edge η·λ0').edge;
  const hitsCap = (c: number) => (known.has(c) ? known.get(c)!.outcome === 'diverged' : diverges(inst, c, stepsAt(c), { maxLoss: CAP }));
  const capEdge = grid.some((g) => g.outcome === 'diverged')
    ? divergenceEdge(o.grid, hitsCap, o.relTol, 'figS7 loss-cap edge η·λ0').edge
    : null;
  const f0 = forwardPass(inst.model, inst.init, inst.data).f.value.data[0];
  return { lambda0: inst.lambdaNtk0, f0, loss0: 0.5 * (f0 - 1) ** 2, trajectories, grid, trainEdge, capEdge };
}
