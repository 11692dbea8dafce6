// Kalra & Barkeshli's critical constants c_loss, c_sharp, c_max and c_barrier of c = η·λ_H0 over the first T steps.
import { Tensor, tensor } from '../../linalg/tensor';
import { StepRecord, TrainOptions, forwardPass, hessianAt, train } from '../../models';
import type { Setup } from '../run/setup';

/** A loss above this (absolute), or one that is not finite, within the horizon is a divergence (their notebook). */
export const CRITICAL_MAX_LOSS = 1e5;
/** The straight line θ_0 → θ_T is probed at s = k/BARRIER_SEGMENTS, k = 0 … BARRIER_SEGMENTS. */
export const BARRIER_SEGMENTS = 20;

/** One point of the grid: what T steps at η = c/λ_H0 did. */
export interface CriticalPoint {
  c: number;
  eta: number;
  /** L_t on the whole training set, t = 0 … T (fewer when the run diverged: the last one is the divergent loss). */
  losses: number[];
  /** λ^H_t, t = 0 … (the last step before a divergence). */
  hessians: number[];
  /** Some L_t > L_0 with 1 ≤ t ≤ T (a divergence counts). */
  loss_rose: boolean;
  /** Some λ^H_t > λ_H0 with 1 ≤ t ≤ T (on the steps measured before a divergence). */
  sharpness_rose: boolean;
  /** The step whose loss went over CRITICAL_MAX_LOSS or stopped being finite, or null. */
  diverged_at: number | null;
  /** L(θ_0 + s(θ_T − θ_0)) at s = k/BARRIER_SEGMENTS (null when the run diverged: there is no θ_T). */
  line_losses: number[] | null;
  /** Some interior point of the line has a loss above max(L(θ_0), L(θ_T)) (null when the run diverged). */
  barrier: boolean | null;
}

export interface CriticalConstants {
  c_loss: number | null;
  c_sharp: number | null;
  c_max: number | null;
  c_barrier: number | null;
}

export interface CriticalResult extends CriticalConstants {
  /** λ_H0: the loss Hessian's top eigenvalue at θ_0 (exact Lanczos on HVPs), which sets η = c/λ_H0. */
  hessian0: number;
  loss0: number;
  horizon: number;
  /** The grid's points in increasing c, up to and with the first divergence (the points after it are not run). */
  points: CriticalPoint[];
  /** c of the first divergent point, or null when none of the grid diverged. */
  first_divergent_c: number | null;
}

export interface CriticalOptions {
  /** Increasing c = η·λ_H0 (parseCriticalGrid). */
  cs: readonly number[];
  /** T: steps 0 … T are recorded, T updates. */
  horizon: number;
  /** The run's settings besides η, the horizon and what the definitions fix (optimizer, --batch, momentum, l2, …). */
  run?: Omit<TrainOptions, 'lr' | 'steps' | 'eigEvery' | 'trackHessian' | 'maxLoss' | 'stopAtConvergence'>;
  /** Called after each finished point (i counts from 1). */
  onPoint?: (i: number, total: number, p: CriticalPoint) => void;
}

/** The full-training-set loss at θ as train records it (with the L2 term where the run has one). */
function lossAt(s: Setup, params: readonly Tensor[], l2: number): number {
  const { tape, loss } = forwardPass(s.model, params, s.data);
  try {
    let norm2 = 0;
    for (const p of params) for (const v of p.data) norm2 += v * v;
    return loss.value.data[0] + (l2 > 0 ? 0.5 * l2 * norm2 : 0);
  } finally {
    tape.dispose();
  }
}

/** The losses along θ_0 + s(θ_T − θ_0), s = k/BARRIER_SEGMENTS; the ends are L(θ_0) and L(θ_T) themselves. */
function lineLosses(s: Setup, end: readonly Tensor[], l2: number): number[] {
  return Array.from({ length: BARRIER_SEGMENTS + 1 }, (_, k) => {
    if (k === 0) return lossAt(s, s.init, l2);
    if (k === BARRIER_SEGMENTS) return lossAt(s, end, l2);
    const at = k / BARRIER_SEGMENTS;
    const params = s.init.map((p, i) => {
      const q = end[i].data;
      return tensor(
        p.shape.slice(),
        p.data.map((v, j) => v + at * (q[j] - v)),
      );
    });
    return lossAt(s, params, l2);
  });
}

/** A barrier: some interior point of the line strictly above both ends. */
export function hasBarrier(line: readonly number[]): boolean {
  const ends = Math.max(line[0], line[line.length - 1]);
  return line.slice(1, -1).some((L) => L > ends);
}

/** T steps of the run at c, judged by the definitions. */
function criticalPoint(s: Setup, c: number, hessian0: number, o: CriticalOptions): CriticalPoint {
  const eta = c / hessian0;
  const r = train(s.model, s.init, s.data, {
    ...o.run,
    lr: eta,
    steps: o.horizon,
    eigEvery: 1,
    trackHessian: true,
    maxLoss: CRITICAL_MAX_LOSS,
    stopAtConvergence: false,
  });
  const records: StepRecord[] = r.records;
  const losses = records.map((x) => x.loss);
  const hessians = records.filter((x) => x.hessian !== undefined).map((x) => x.hessian!);
  const divergedAt = r.diverged?.step ?? null;
  const line = divergedAt === null ? lineLosses(s, r.params, o.run?.l2 ?? 0) : null;
  return {
    c,
    eta,
    losses,
    hessians,
    loss_rose: divergedAt !== null || losses.slice(1).some((L) => L > losses[0]),
    sharpness_rose: hessians.slice(1).some((h) => h > hessian0),
    diverged_at: divergedAt,
    line_losses: line,
    barrier: line === null ? null : hasBarrier(line),
  };
}

/**
 * The constants from the points (increasing c, the last one possibly divergent): c_loss, c_sharp and c_barrier are
 * the smallest c with the property, c_max the largest c below the first divergent point (null where none has it).
 *
 * @example
 * criticalConstants(result.points).c_loss; // the first c whose loss rose within T steps
 */
export function criticalConstants(points: readonly CriticalPoint[]): CriticalConstants {
  const first = (has: (p: CriticalPoint) => boolean) => points.find(has)?.c ?? null;
  const divergent = points.findIndex((p) => p.diverged_at !== null);
  return {
    c_loss: first((p) => p.loss_rose),
    c_sharp: first((p) => p.sharpness_rose),
    c_max: divergent > 0 ? points[divergent - 1].c : null,
    c_barrier: first((p) => p.barrier === true),
  };
}

/**
 * λ_H0 and L_0 of the setup, checked: λ_H0 sets η = c/λ_H0 and L_0 is what "the loss rose" is judged against.
 *
 * @example
 * const { hessian0, loss0 } = criticalStart(setup({ model: 'mlp', width: 64 }), {});
 */
export function criticalStart(s: Setup, o: Pick<CriticalOptions, 'run'>): { hessian0: number; loss0: number } {
  const hessian0 = hessianAt(s.model, s.init, s.data);
  if (!(Number.isFinite(hessian0) && hessian0 > 0))
    throw new Error(`the loss Hessian's top eigenvalue at θ_0 is ${hessian0}: c = η·λ_H0 sets no learning rate`);
  const loss0 = lossAt(s, s.init, o.run?.l2 ?? 0);
  // Every run would count as divergent at step 0, and every c as one whose loss rose.
  if (!(loss0 <= CRITICAL_MAX_LOSS)) throw new Error(`the loss at θ_0 is ${loss0}, above the divergence bound ${CRITICAL_MAX_LOSS}`);
  return { hessian0, loss0 };
}

/**
 * The grid's points one at a time, in increasing c, up to and with the first divergence: a caller that must stay
 * responsive (the explorer runs one per frame) can stop between any two. criticalSweep is this, collected.
 *
 * @example
 * const { hessian0 } = criticalStart(s, o);
 * for (const p of criticalPoints(s, hessian0, o)) console.log(p.c, p.loss_rose);
 */
export function* criticalPoints(s: Setup, hessian0: number, o: CriticalOptions): Generator<CriticalPoint, void, undefined> {
  for (const c of o.cs) {
    const p = criticalPoint(s, c, hessian0, o);
    yield p;
    if (p.diverged_at !== null) return;
  }
}

/**
 * Trains T steps from θ_0 at every c of the grid, in increasing c, up to and with the first divergence, and returns
 * the constants with every point's data (no files: the CLI writes critical.json).
 *
 * @example
 * const r = criticalSweep(setup({ model: 'mlp', width: 64 }), { cs: parseCriticalGrid('2^0:4:0.1'), horizon: 10 });
 */
export function criticalSweep(s: Setup, o: CriticalOptions): CriticalResult {
  const { hessian0, loss0 } = criticalStart(s, o);
  const points: CriticalPoint[] = [];
  for (const p of criticalPoints(s, hessian0, o)) {
    points.push(p);
    o.onPoint?.(points.length, o.cs.length, p);
  }
  const divergent = points.find((p) => p.diverged_at !== null);
  return {
    ...criticalConstants(points),
    hessian0,
    loss0,
    horizon: o.horizon,
    points,
    first_divergent_c: divergent?.c ?? null,
  };
}
