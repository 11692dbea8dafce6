// One grid point of a sweep, deterministic from its configuration alone (so any worker, in any order, gives the same bits).
import { OptionDecl, Values, num, omit } from '../../options';
import { OptimizerName, TRAIN_OPTIONS, classifyPhase, lambdaAt, train } from '../../models';
import { LrReference, LrSpec, formatLr, parseLr, resolveRunLr } from '../run/lr';
import { Setup, setup } from '../run/setup';
import type { SetupInput } from '../run/setupOptions';

/** An option without its cross-option conditions (`onlyWhen`, `needs`), for a sweep that checks them against its grid. */
function perPoint<T>(d: OptionDecl<T>): OptionDecl<T> {
  const { onlyWhen: _only, needs: _needs, ...rest } = d;
  return rest;
}

/**
 * A sweep's training options: the step budget per run and the other training options, but not λ's schedule
 * (read at t = 0, at t·η = time and at the end) nor `--track`, which a sweep does not record.
 */
export const SWEEP_TRAIN_OPTIONS = {
  ...omit(TRAIN_OPTIONS, 'eigEvery', 'trackHessian'),
  // A grid may mix update rules and batch sizes (--optimizers, --batches), so whether these apply is a question about
  // the whole grid (gridOptionsProblem), not about --optimizer and --batch alone. Same keys, same places in sweep.json.
  momentum: perPoint(TRAIN_OPTIONS.momentum),
  beta1: perPoint(TRAIN_OPTIONS.beta1),
  beta2: perPoint(TRAIN_OPTIONS.beta2),
  eps: perPoint(TRAIN_OPTIONS.eps),
  weightDecay: perPoint(TRAIN_OPTIONS.weightDecay),
  batchSeed: perPoint(TRAIN_OPTIONS.batchSeed),
  time: num({ flag: 'time', arg: 'τ', help: 'physical time t·η at which λ is read for the phase diagram', above: 0, default: 25 }),
} as const;

/** What fixes every run of a sweep except its grid point (stored in DIR/sweep.json). */
export interface SweepConfig {
  /** Model and data options; `width` and `seed` come from the grid, `init` is not allowed. */
  setup: Omit<SetupInput, 'width' | 'seed' | 'init'>;
  /**
   * `batches` and `optimizers` are optional dimensions, present only when the sweep varies them (then `train.batch`
   * and `train.optimizer` are absent), so a grid without them keeps the sweep.json it always had.
   */
  grid: { widths: number[]; seeds: number[]; batches?: number[]; optimizers?: OptimizerName[]; lrs: string[] };
  /** Saved in sweep.json under these (library) names, in this order. */
  train: Values<typeof SWEEP_TRAIN_OPTIONS>;
}

export interface GridPoint {
  /** Position in the full grid: widths outermost, then seeds, batches, optimizers, and learning rates innermost. */
  index: number;
  width: number;
  seed: number;
  /** `batch` only in a grid with `batches`, `optimizer` only in one with `optimizers`: other grids keep their result keys. */
  batch?: number;
  optimizer?: OptimizerName;
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
  // An absent dimension is a single point without its key: a grid without them keeps its indices and result lines.
  const batches = c.grid.batches ?? [undefined],
    optimizers = c.grid.optimizers ?? [undefined];
  for (const width of c.grid.widths)
    for (const seed of c.grid.seeds)
      for (const batch of batches)
        for (const optimizer of optimizers)
          for (const lr of c.grid.lrs)
            out.push({
              index: out.length,
              width,
              seed,
              ...(batch !== undefined && { batch }),
              ...(optimizer !== undefined && { optimizer }),
              lr,
            });
  return out;
}

/** The key that identifies a run across shards and resumes. */
export const runKey = (p: Pick<GridPoint, 'width' | 'seed' | 'batch' | 'optimizer' | 'lr'>) =>
  `width ${p.width}, seed ${p.seed}${p.batch !== undefined ? `, batch ${p.batch}` : ''}` +
  `${p.optimizer !== undefined ? `, optimizer ${p.optimizer}` : ''}, lr ${p.lr}`;

const isAdam = (name: OptimizerName | undefined) => name === 'adam' || name === 'adamw';
const ADAM_OPTIONS = ['beta1', 'beta2', 'eps', 'weightDecay'] as const;

/** The update rules of a grid's points: `optimizers`, or the one `optimizer` (gd when absent). */
export const gridOptimizers = (c: SweepConfig): OptimizerName[] => c.grid.optimizers ?? [c.train.optimizer ?? 'gd'];

/**
 * What a grid's training options contradict, or null: a dimension set twice, or an option that applies to no point
 * (Adam's β1, β2, ε, weight decay without adam/adamw points, --momentum without gd points, --batch-seed without
 * batches). `given` says which options were set: the CLI's flags, or from code the values that are not the default.
 */
export function gridOptionsProblem(c: SweepConfig, given: (key: keyof SweepConfig['train']) => boolean): string | null {
  const flag = (key: keyof SweepConfig['train']) => `--${SWEEP_TRAIN_OPTIONS[key].flag}`;
  if (c.grid.batches !== undefined && c.train.batch !== undefined) return '--batch and --batches both set the grid; use --batches';
  if (c.grid.optimizers !== undefined && c.train.optimizer !== undefined)
    return '--optimizer and --optimizers both set the grid; use --optimizers';
  const rules = gridOptimizers(c).join(',');
  const adamOption = ADAM_OPTIONS.find(given);
  if (adamOption !== undefined && !gridOptimizers(c).some(isAdam))
    return `${flag(adamOption)} applies to the adam and adamw points of a sweep, and this grid has none (optimizers ${rules})`;
  if (given('momentum') && !gridOptimizers(c).includes('gd'))
    return `--momentum applies to the gd points of a sweep, and this grid has none (optimizers ${rules})`;
  if (given('batchSeed') && c.grid.batches === undefined && c.train.batch === undefined) return '--batch-seed needs --batch or --batches';
  return null;
}

/**
 * The training options of one grid point: its batch and optimizer (from the grid, else the sweep's), and only the
 * options of its own update rule: in a grid that mixes them, --momentum goes to the gd points, Adam's to the others.
 */
export function pointTrain(c: SweepConfig, p: GridPoint): SweepConfig['train'] {
  const t = { ...c.train, ...(p.batch !== undefined && { batch: p.batch }), ...(p.optimizer !== undefined && { optimizer: p.optimizer }) };
  return isAdam(t.optimizer) ? { ...t, momentum: 0 } : { ...t, beta1: undefined, beta2: undefined, eps: undefined, weightDecay: undefined };
}

/**
 * Setups and λ0 reused across the runs of one (width, seed); the newest few only, to bound memory. `afterRead` runs
 * after each setup, the only place a run reads its data files (a sweep checks there that they are unchanged).
 */
export class SetupCache {
  private entries = new Map<string, { s: Setup; lambda0: number }>();
  constructor(
    private readonly keep = 2,
    private readonly afterRead?: () => void,
  ) {}
  get(c: SweepConfig, width: number, seed: number): { s: Setup; lambda0: number } {
    const key = `${width}/${seed}`;
    let e = this.entries.get(key);
    if (e === undefined) {
      const s = setup({ ...c.setup, width, seed });
      this.afterRead?.();
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
  const t = pointTrain(c, p);
  const T = Math.max(1, Math.round(t.time / eta));
  if (!Number.isSafeInteger(T))
    throw new Error(`${runKey(p)}: --time ${t.time} at η = ${eta} is step ${T}, beyond any step count (give a smaller --time)`);
  const { steps: _budget, convergeFraction: _F, time: _time, ...settings } = t;
  const o = { ...settings, lr: eta, eigEvery: 0 };
  // The continuation from θ_T starts a fresh optimizer state (momentum's, Adam's moments and step count) and a fresh
  // batch order, which would change the trajectory: only stateless full-batch GD is split; the rest runs in one go.
  const split = !isAdam(t.optimizer) && t.momentum === 0 && t.batch === undefined && T < t.steps;
  let L0 = NaN;
  const first = train(s.model, s.init, s.data, {
    ...o,
    steps: split ? T : t.steps,
    convergeFraction: t.convergeFraction,
    eigEvery: split ? 0 : T,
    // Unsplit runs stop like split ones: once converged and past T.
    stopWhen: split ? undefined : (rec) => ((L0 = rec.t === 0 ? rec.loss : L0), rec.t >= T && rec.loss <= t.convergeFraction * L0),
  });
  // The recorded first loss: a run stopped at step 0 (a loss above --max-loss) leaves train's loss0 unset.
  const loss0 = first.records[0].loss,
    LT = first.records[first.records.length - 1].loss;
  let rest: ReturnType<typeof train> | null = null;
  if (split && first.diverged === null && first.convergedAt === null) {
    // Converged means loss ≤ F·L0 of the whole run, i.e. a fraction F·L0/L_T of the continuation's first loss.
    rest = train(s.model, first.params, s.data, {
      ...o,
      steps: t.steps - T,
      convergeFraction: (t.convergeFraction * loss0) / LT,
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
