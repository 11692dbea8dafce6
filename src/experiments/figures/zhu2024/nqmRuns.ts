// The NQM study's runs: a net, its quadratic model and its linearization, trained by GD from one θ0 at each η·λ0.
import { Dataset, loadClassification } from '../../../data';
import {
  Phase,
  classification,
  classifyPhase,
  evaluate,
  lambdaAt,
  linearOutputs,
  linearize,
  quadraticModel,
  trainLinearized,
} from '../../../models';
import type { Setup } from '../../run/setup';
import { runTraining } from '../../run/run';
import type { RunDirContents } from '../runDir';
import { biasFreeMlpSetup, poolImages } from '../common';
import type { ComputeContext } from '../spec';
import type { NqmOptions } from './options';

/** A run is converged once its loss is at most this fraction of L0 (the phases are judged by classifyPhase). */
export const NQM_CONVERGED = 1e-2;

export type NqmKind = 'network' | 'quadratic' | 'linear';
export const NQM_KINDS: readonly NqmKind[] = ['network', 'quadratic', 'linear'];

/** One model's run at one η·λ0: its losses, phase, final λ (NTK) and test accuracy (null when it diverged). */
export interface NqmRun {
  kind: NqmKind;
  seed: number;
  etaLambda0: number;
  eta: number;
  losses: number[];
  phase: Phase;
  /** λ_T·η/2 at the last measured step (the linear model's λ is λ0 throughout); null when it diverged. */
  finalEdgeRatio: number | null;
  testAccuracy: number | null;
  /** The net's and the NQM's run directories (the linear model's losses are in the tables). */
  dir?: RunDirContents;
}

export interface NqmData {
  runs: NqmRun[];
  /** λ0 per seed. */
  lambda0: Record<number, number>;
  train: Dataset;
  test: Dataset;
}

/** The study's data: a balanced subset with a held-out set, pooled at CI size. */
export function nqmData(o: NqmOptions): { train: Dataset; test: Dataset } {
  const c = loadClassification(o.dataset, { trainSize: o.trainSize, testSize: o.testSize, seed: o.dataSeed });
  const [train, test] = poolImages(c.train, c.test, o.pool);
  return { train, test };
}

/** The fc net both studies train: `depth` hidden layers of `width`, NTK parameterization, no biases, MSE. */
export interface FcNet {
  width: number;
  depth: number;
  act: NqmOptions['act'];
}

/**
 * The net of a seed on the data: NTK parameterization, no biases, MSE on one-hot targets.
 * @example
 * const s = fcSetup(NQM_DEFAULTS, nqmData(NQM_DEFAULTS).train, 0);
 */
export function fcSetup(o: FcNet, data: Dataset, seed: number): Setup {
  return biasFreeMlpSetup({ width: o.width, depth: o.depth, act: o.act, param: 'ntk', sigmaW: Math.SQRT2 }, data, seed);
}

/** The net or its NQM (a Model like any other) by GD at η, with λ_t every eigEvery steps. */
function modelRun(kind: 'network' | 'quadratic', s: Setup, test: Dataset, o: NqmOptions, seed: number, c: number, lambda0: number): NqmRun {
  const run: Setup = kind === 'network' ? s : { ...s, model: quadraticModel(s.model, s.init) };
  const eta = c / lambda0;
  const opts = { lr: { value: eta, unit: 'abs' as const }, steps: o.steps, eigEvery: o.eigEvery, convergeFraction: NQM_CONVERGED };
  const { result, summary } = runTraining(run, { ...opts, stopAtConvergence: false }, seed, lambda0);
  const last = [...result.records].reverse().find((r) => r.lambda !== undefined);
  const ok = result.diverged === null;
  return {
    kind,
    seed,
    etaLambda0: c,
    eta,
    losses: result.records.map((r) => r.loss),
    phase: result.phase,
    finalEdgeRatio: ok && last ? (last.lambda! * eta) / 2 : null,
    testAccuracy: ok ? evaluate(run.model, result.params, test).accuracy : null,
    dir: { name: `${kind}-s${seed}-c${c}`, result, summary, setup: run },
  };
}

/** The net linearized at θ0 by GD at η (trainLinearized: JVPs and VJPs on the θ0 tape, J never formed). */
function linearRun(s: Setup, test: Dataset, o: NqmOptions, seed: number, c: number, lambda0: number): NqmRun {
  const eta = c / lambda0;
  const r = trainLinearized(linearize(s.model, s.init, s.data), { lr: eta, steps: o.steps });
  const loss0 = r.losses[0];
  const convergedAt = r.losses.findIndex((L) => L <= NQM_CONVERGED * loss0);
  const phase = classifyPhase({
    diverged: r.diverged !== null,
    convergedAt: convergedAt < 0 ? null : convergedAt,
    peakLoss: Math.max(...r.losses),
    loss0,
  });
  let testAccuracy: number | null = null;
  if (r.diverged === null) {
    const [m, k] = test.Y.shape;
    testAccuracy = classification(linearOutputs(linearize(s.model, s.init, test), r.delta), test.Y.data, m, k).accuracy;
  }
  return { kind: 'linear', seed, etaLambda0: c, eta, losses: r.losses, phase, finalEdgeRatio: r.diverged ? null : c / 2, testAccuracy };
}

/**
 * Every seed × η·λ0 × model, λ0 measured once per seed (the three models share it: their Jacobians at θ0 are the net's).
 * @example
 * const d = computeNqm(NQM_DEFAULTS, { progress: () => {} }); // d.runs.filter((r) => r.kind === 'quadratic')
 */
export function computeNqm(o: NqmOptions, ctx: Pick<ComputeContext<never>, 'progress'>): NqmData {
  const { train, test } = nqmData(o);
  const runs: NqmRun[] = [];
  const lambda0: Record<number, number> = {};
  const total = o.seeds.length * o.etaLambda0s.length;
  o.seeds.forEach((seed, i) => {
    const s = fcSetup(o, train, seed);
    const l0 = (lambda0[seed] = lambdaAt(s.model, s.init, s.data));
    o.etaLambda0s.forEach((c, j) => {
      ctx.progress((i * o.etaLambda0s.length + j) / total, `seed ${seed}, η·λ0 = ${c}`);
      runs.push(
        modelRun('network', s, test, o, seed, c, l0),
        modelRun('quadratic', s, test, o, seed, c, l0),
        linearRun(s, test, o, seed, c, l0),
      );
    });
  });
  return { runs, lambda0, train, test };
}
