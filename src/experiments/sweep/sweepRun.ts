// One grid point of a sweep, deterministic from its configuration alone (so any worker, in any order, gives the same bits).
import { Values, num, omit } from '../../options';
import { TRAIN_OPTIONS, classifyPhase, lambdaAt, train } from '../../models';
import { LrReference, LrSpec, formatLr, parseLr, resolveRunLr } from '../run/lr';
import { Setup, setup } from '../run/setup';
import type { SetupInput } from '../run/setupOptions';

/**
 * A sweep's training options: the step budget per run and the other training options, but not λ's schedule
 * (read at t = 0, at t·η = time and at the end) nor `--track`, which a sweep does not record.
 */
export const SWEEP_TRAIN_OPTIONS = {
  ...omit(TRAIN_OPTIONS, 'eigEvery', 'trackHessian'),
  time: num({ flag: 'time', arg: 'τ', help: 'physical time t·η at which λ is read for the phase diagram', above: 0, default: 25 }),
} as const;

/** What fixes every run of a sweep except its grid point (stored in DIR/sweep.json). */
export interface SweepConfig {
  /** Model and data options; `width` and `seed` come from the grid, `init` is not allowed. */
  setup: Omit<SetupInput, 'width' | 'seed' | 'init'>;
  grid: { widths: number[]; seeds: number[]; lrs: string[] };
  /** Saved in sweep.json under these (library) names, in this order. */
  train: Values<typeof SWEEP_TRAIN_OPTIONS>;
}

export interface GridPoint {
  /** Position in the full grid: widths outermost, then seeds, then learning rates. */
  index: number;
  width: number;
  seed: number;
  lr: string;
}

/** One line of results.jsonl. Non-finite numbers never appear: a diverged run has diverged_at and null where values blew up. */
export interface SweepResult extends GridPoint {
  /** What a relative lr refers to (the NTK's λ0 for MSE, the loss Hessian's λ_H0 otherwise), as in train and oracle. */
  lr_reference: LrReference;
  lambda0: number;
  eta: number;
  eta_lambda0: number;
  /** Step T = round(time/η) at which λ_T is read (≥ 1). */
  T: number;
  /** λ at step T, or null when the run diverged before T or the budget ends before T. */
  lambda_T: number | null;
  phase: string;
  loss0: number;
  peak_loss: number;
  /** Loss at the last step, null when it is not finite (then diverged_at is set). */
  final_loss: number | null;
  final_lambda: number | null;
  converged_at: number | null;
  diverged_at: number | null;
  diverged_reason: string | null;
  steps_run: number;
}

/** Every grid point in the canonical order. */
export function gridPoints(c: SweepConfig): GridPoint[] {
  const out: GridPoint[] = [];
  for (const width of c.grid.widths)
    for (const seed of c.grid.seeds) for (const lr of c.grid.lrs) out.push({ index: out.length, width, seed, lr });
  return out;
}

/** The key that identifies a run across shards and resumes. */
export const runKey = (p: Pick<GridPoint, 'width' | 'seed' | 'lr'>) => `width ${p.width}, seed ${p.seed}, lr ${p.lr}`;

/** Setups and λ0 reused across the runs of one (width, seed); the newest few only, to bound memory. */
export class SetupCache {
  private entries = new Map<string, { s: Setup; lambda0: number }>();
  constructor(private readonly keep = 2) {}
  get(c: SweepConfig, width: number, seed: number): { s: Setup; lambda0: number } {
    const key = `${width}/${seed}`;
    let e = this.entries.get(key);
    if (e === undefined) {
      const s = setup({ ...c.setup, width, seed });
      e = { s, lambda0: lambdaAt(s.model, s.init, s.data) };
      this.entries.set(key, e);
      if (this.entries.size > this.keep) this.entries.delete(this.entries.keys().next().value!);
    }
    return e;
  }
}

/**
 * Trains one grid point: T = round(time/η) steps with λ at t = 0 and t = T, then on from θ_T (without λ) until
 * converged or the `steps` budget is spent, and λ once more at the end. A diverged run keeps null where values
 * blew up; a non-finite value in any other run is an error, never a result.
 *
 * @example
 * const r = runGridPoint(config, { index: 0, width: 1000, seed: 0, lr: '1.5x' }, new SetupCache());
 */
export function runGridPoint(c: SweepConfig, p: GridPoint, cache: SetupCache): SweepResult {
  const { s, lambda0 } = cache.get(c, p.width, p.seed);
  const spec: LrSpec = parseLr(p.lr);
  const { eta, reference } = resolveRunLr(s, spec, lambda0);
  const T = Math.max(1, Math.round(c.train.time / eta));
  const { steps: _budget, convergeFraction: _F, time: _time, ...settings } = c.train;
  const o = { ...settings, lr: eta, eigEvery: 0 };
  // Momentum restarts at T, which would change the trajectory: with momentum, run the whole budget in one go.
  const split = c.train.momentum === 0 && T < c.train.steps;
  let L0 = NaN;
  const first = train(s.model, s.init, s.data, {
    ...o,
    steps: split ? T : c.train.steps,
    convergeFraction: c.train.convergeFraction,
    eigEvery: split ? 0 : T,
    // Unsplit runs stop like split ones: once converged and past T.
    stopWhen: split ? undefined : (rec) => ((L0 = rec.t === 0 ? rec.loss : L0), rec.t >= T && rec.loss <= c.train.convergeFraction * L0),
  });
  const loss0 = first.loss0,
    LT = first.records[first.records.length - 1].loss;
  let rest: ReturnType<typeof train> | null = null;
  if (split && first.diverged === null && first.convergedAt === null) {
    // Converged means loss ≤ F·L0 of the whole run, i.e. a fraction F·L0/L_T of the continuation's first loss.
    rest = train(s.model, first.params, s.data, {
      ...o,
      steps: c.train.steps - T,
      convergeFraction: (c.train.convergeFraction * loss0) / LT,
      stopAtConvergence: true,
    });
  }
  const diverged = first.diverged ?? (rest?.diverged ? { step: T + rest.diverged.step, reason: rest.diverged.reason } : null);
  const convergedAt = first.convergedAt ?? (rest?.convergedAt != null ? T + rest.convergedAt : null);
  const peak = Math.max(first.peakLoss, rest?.peakLoss ?? -Infinity);
  const last = (rest ?? first).records[(rest ?? first).records.length - 1];
  const atT = first.records[T];
  const result: SweepResult = {
    ...p,
    lr: formatLr(spec),
    lr_reference: reference,
    lambda0,
    eta,
    eta_lambda0: eta * lambda0,
    T,
    lambda_T: atT?.lambda ?? null,
    phase: classifyPhase({ diverged: diverged !== null, convergedAt, peakLoss: peak, loss0 }),
    loss0,
    peak_loss: peak,
    final_loss: last.loss,
    final_lambda: diverged ? null : (rest ?? first).finalLambda,
    converged_at: convergedAt,
    diverged_at: diverged?.step ?? null,
    diverged_reason: diverged?.reason ?? null,
    steps_run: (rest ? T : 0) + last.t,
  };
  const nonFinite = Object.entries(result)
    .filter(([, v]) => typeof v === 'number' && !Number.isFinite(v))
    .map(([k]) => k);
  if (diverged === null && nonFinite.length > 0)
    throw new Error(`${runKey(p)}: ${nonFinite.join(', ')} not finite although the run did not diverge`);
  if (nonFinite.includes('loss0') || nonFinite.includes('lambda0')) throw new Error(`${runKey(p)}: the initial loss or λ0 is not finite`);
  for (const k of nonFinite) (result as unknown as Record<string, null>)[k] = null; // a diverged run: flagged by diverged_at
  return result;
}
