// A run's state between two steps (θ_t, the optimizer's arrays, the Lanczos warm starts, the tallies): what a checkpoint saves and a resumed run starts from.
import { CatapultInputError, describeValue } from '../options';

/** The running figures of a run that its result reports (loss0, peak, convergence, λ and λ_H at the start and last). */
export interface TrainTally {
  lambdaNtk0: number;
  loss0: number;
  peakLoss: number;
  convergedAt: number | null;
  finalLambda: number | null;
  lambdaHessian0: number;
  finalHessian: number | null;
  /** The sharpness the flow's last stage saw (FlowState.lastSharpness: which Lanczos the next stage starts with), or null. */
  flowSharpness: number | null;
}

/**
 * Everything the numbers of the rest of a run depend on, at the start of step t (θ_t, before record t is taken): t
 * updates are done and records 0 … t−1 were handed out. Under SGD the batch stream is at draw t, which a resumed run
 * replays from its seed.
 */
export interface TrainState {
  step: number;
  /** The η the state was made at (a state is refused by a run at another η). */
  lr: number;
  /** θ_t, one array per parameter. */
  params: Float64Array[];
  /** The optimizer's arrays per parameter (momentum's b; Adam's m and v; none for plain GD) after t updates. */
  optimizer: Float64Array[][];
  /** Lanczos warm starts: λ's (the NTK's) last eigenvector, the loss Hessian's (`trackHessian`), the flow's sharpness one. */
  lambdaVector?: Float64Array;
  hessianVector?: Float64Array;
  flowVector?: Float64Array;
  tally: TrainTally;
}

/** The tallies before step 0. */
export function freshTally(): TrainTally {
  return {
    lambdaNtk0: NaN,
    loss0: NaN,
    peakLoss: -Infinity,
    convergedAt: null,
    finalLambda: null,
    lambdaHessian0: NaN,
    finalHessian: null,
    flowSharpness: null,
  };
}

/** What a state must fit: the run's steps and η, its parameter sizes, the optimizer's slots, λ's vector length, P. */
export interface StateShape {
  steps: number;
  lr: number;
  sizes: readonly number[];
  slots: number;
  outputs: number;
}

/**
 * Refuses a state the run cannot continue from, as a CatapultInputError on `resume`: a step past the run's end, another
 * η, arrays of the wrong number or length, non-finite values.
 *
 * @example
 * checkTrainState(state, { steps: 100, lr: 0.5, sizes: [24, 8], slots: 1, outputs: 10 });
 */
export function checkTrainState(state: TrainState, shape: StateShape): void {
  const fail = (msg: string): never => {
    throw new CatapultInputError('resume', `resume: ${msg}`);
  };
  if (state === null || typeof state !== 'object') fail(`must be a TrainState, got ${describeValue(state)}`);
  if (!Number.isInteger(state.step) || state.step < 1 || state.step > shape.steps)
    fail(`the state's step must be an integer in [1, ${shape.steps}] (the run's steps), got ${describeValue(state.step)}`);
  if (state.lr !== shape.lr) fail(`the state was made at η = ${state.lr}, this run has η = ${shape.lr}`);
  const P = shape.sizes.reduce((a, n) => a + n, 0);
  const arrays = (what: string, xs: unknown, lengths: readonly number[]) => {
    if (!Array.isArray(xs) || xs.length !== lengths.length) fail(`${what} must hold ${lengths.length} arrays, got ${describeValue(xs)}`);
    lengths.forEach((n, i) => vector(`${what}[${i}]`, (xs as unknown[])[i], n));
  };
  const vector = (what: string, x: unknown, n: number) => {
    if (!(x instanceof Float64Array) || x.length !== n) fail(`${what} must be a Float64Array of ${n} values, got ${describeValue(x)}`);
    if (!(x as Float64Array).every(Number.isFinite)) fail(`${what} holds NaN or infinite values`);
  };
  arrays('params', state.params, shape.sizes);
  if (!Array.isArray(state.optimizer) || state.optimizer.length !== shape.sizes.length)
    fail(`optimizer must hold one list of arrays per parameter (${shape.sizes.length}), got ${describeValue(state.optimizer)}`);
  shape.sizes.forEach((n, i) => arrays(`optimizer[${i}]`, state.optimizer[i], Array(shape.slots).fill(n)));
  if (state.lambdaVector !== undefined) vector('lambdaVector', state.lambdaVector, shape.outputs);
  if (state.hessianVector !== undefined) vector('hessianVector', state.hessianVector, P);
  if (state.flowVector !== undefined) vector('flowVector', state.flowVector, P);
  const t = state.tally as Partial<TrainTally> | null;
  const numbers = ['lambdaNtk0', 'loss0', 'peakLoss', 'lambdaHessian0'] as const;
  const orNull = ['convergedAt', 'finalLambda', 'finalHessian', 'flowSharpness'] as const;
  if (t === null || typeof t !== 'object') return fail(`tally must be a TrainTally, got ${describeValue(t)}`);
  const bad = [...numbers, ...orNull].find((k) => typeof t[k] !== 'number' && !(orNull.includes(k as never) && t[k] === null));
  if (bad !== undefined)
    fail(`tally.${bad} must be a number${orNull.includes(bad as never) ? ' or null' : ''}, got ${describeValue(t[bad])}`);
}
