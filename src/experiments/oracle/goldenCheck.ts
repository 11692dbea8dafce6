// `check` of a golden file: rerun it from its stored inputs and compare each element on its own step's scale.
import type { Tensor } from '../../linalg/tensor';
import { backendInfo } from '../../linalg/backend';
import { fromSaved, withDefaults } from '../../options';
import { Model, hessianAt, initParams, lambdaAt } from '../../models';
import { setup } from '../run/setup';
import { Golden, ORACLE_OPTIONS, optimizerOptions, sha256Tensors, trainGolden, trajectoryArrays } from './golden';
import { checkGoldenMeta } from './goldenSchema';
import { goldenModel } from './goldenModel';
import { checkGoldenArrays } from './goldenArrays';
import { reproducibleDigits } from './goldenDigits';

/** Where in a field an element sits: the step (row) and the index within the step. */
export interface Element {
  step: number;
  index: number;
}

export interface Deviation {
  field: string;
  /** max |rerun − golden| over the field. */
  maxAbs: number;
  /**
   * max over elements of |Δ_i| / scale_i, where scale_i is the largest |golden| of the element's own step (for a
   * series of scalars, |golden_t| itself). A loss that decays by 100 orders of magnitude is compared at each step on
   * its own scale; Infinity where finiteness differs or an exact field differs.
   */
  maxRel: number;
  /** The element with the largest relative deviation (null when every element is equal). */
  worst: Element | null;
  /** The first element, in step order, beyond --tol: where a deviation starts (null when none is). */
  starts: (Element & { rel: number }) | null;
  /**
   * The first element beyond its step's allowance: --tol, or where the golden file records its reproducible digits d_t,
   * max(tol, 10^(DIGITS_SLACK − d_t)). What makes the check fail; null when none is.
   */
  first: (Element & { rel: number }) | null;
  /** Steps with an element beyond --tol where the file's digits are exhausted (≤ DIGITS_SLACK): not checkable, not passed. */
  unchecked: number[];
  ok: boolean;
}

/**
 * Digits of slack on a file's recorded digits. The estimate models one rounding per entry per step in θ; a rerun with
 * other kernels, or the numpy replay (other summation orders, its own tanh), rounds differently in every operation,
 * and the outputs f can be worse conditioned than θ: measured up to 50× (1.7 digits) beyond the estimate on the
 * 2×8 tanh edge-of-stability run of test/experiments/precision.test.ts.
 */
export const DIGITS_SLACK = 2;

/**
 * How far a file's recorded digits may lie from the rerun's own estimate before `check` refuses them: the estimate is
 * a Lyapunov-type growth along the trajectory, which other kernels reproduce to a fraction of a digit until the
 * trajectories part, where both have none left.
 */
export const DIGITS_MARGIN = 1;

/**
 * The relative deviation a step may show when the golden file says it has `digits` reproducible digits: max(tol,
 * 10^(DIGITS_SLACK − digits)), below 1. Once no digit is left (digits ≤ DIGITS_SLACK) only --tol: a step beyond it
 * there is not checkable (see deviation), never passed.
 */
export function allowance(tol: number, digits: number | undefined): number {
  if (digits === undefined || digits <= DIGITS_SLACK) return tol;
  return Math.max(tol, 10 ** (DIGITS_SLACK - digits));
}

/**
 * Per-element deviation of `a` from golden `g`, read as steps of `rowLength` elements each (f: m·k per step; a
 * scalar series: 1; `steps` names the rows, e.g. the saved t of params). Entries non-finite in both count as equal.
 * `digits` (indexed by step) widens each step's allowance to what the file says is reproducible there; a step beyond
 * --tol whose digits are exhausted goes to `unchecked` instead of failing or passing.
 *
 * @example
 * deviation('loss', rerun.loss, golden.loss, 1e-9); // { maxRel, worst: { step, index }, starts, first, ok }
 */
export function deviation(
  field: string,
  a: ArrayLike<number>,
  g: ArrayLike<number>,
  tol: number,
  rowLength = 1,
  steps?: readonly number[],
  digits?: ArrayLike<number> | null,
): Deviation {
  if (a.length !== g.length) {
    const at = { step: 0, index: 0, rel: Infinity };
    return { field, maxAbs: Infinity, maxRel: Infinity, worst: null, starts: at, first: at, unchecked: [], ok: false };
  }
  const unchecked: number[] = [];
  let maxAbs = 0,
    maxRel = 0,
    worst: Element | null = null,
    starts: Deviation['starts'] = null,
    first: Deviation['first'] = null;
  const L = Math.max(1, rowLength);
  for (let row = 0; row * L < g.length; row++) {
    let scale = 0;
    for (let i = row * L; i < Math.min(g.length, (row + 1) * L); i++) if (Number.isFinite(g[i])) scale = Math.max(scale, Math.abs(g[i]));
    for (let i = row * L; i < Math.min(g.length, (row + 1) * L); i++) {
      const fa = Number.isFinite(a[i]),
        fg = Number.isFinite(g[i]);
      if (!fa && !fg) continue;
      const abs = fa !== fg ? Infinity : Math.abs(a[i] - g[i]);
      const rel = abs === 0 ? 0 : scale === 0 ? Infinity : abs / scale;
      maxAbs = Math.max(maxAbs, abs);
      const at = { step: steps?.[row] ?? row, index: i - row * L };
      if (rel > maxRel) {
        maxRel = rel;
        worst = at;
      }
      if (rel > tol && starts === null) starts = { ...at, rel };
      if (rel <= allowance(tol, digits?.[at.step])) continue;
      if (digits != null && digits[at.step] <= DIGITS_SLACK) {
        if (unchecked[unchecked.length - 1] !== at.step) unchecked.push(at.step);
      } else if (first === null) first = { ...at, rel };
    }
  }
  return { field, maxAbs, maxRel, worst, starts, first, unchecked, ok: first === null };
}

export interface CheckReport {
  deviations: Deviation[];
  notes: string[];
  /** The steps (of steps_run + 1) that some field could not check: beyond --tol where the file's digits are exhausted. */
  unchecked: number;
  steps: number;
  /** More than half the steps are not checkable: the file's digits leave too little to check (exit 1, not a pass). */
  inconclusive: boolean;
  ok: boolean;
}

/** What the library caller passes: a Golden (as readGolden returns it) and a finite tolerance ≥ 0; one error naming the argument. */
function checkArguments(g: Golden, tol: number): void {
  if (typeof tol !== 'number' || !Number.isFinite(tol) || tol < 0)
    throw new Error(`checkGolden: tol must be a finite number ≥ 0, got ${typeof tol === 'number' ? tol : JSON.stringify(tol)}`);
  if (g === null || typeof g !== 'object' || g.meta === null || typeof g.meta !== 'object')
    throw new Error('checkGolden: golden must be a golden trajectory as readGolden or makeGolden returns it, with its meta');
  checkGoldenMeta(g.meta, 'checkGolden(golden)');
  checkGoldenArrays(g, 'checkGolden(golden)');
}

/**
 * Reruns a golden file from its stored initialization and data at its η, for the steps it holds, and compares every
 * field: the trajectory per element on each step's scale, the integer and derived fields (phase, chaotic, digits)
 * exactly or to DIGITS_MARGIN. The stored inputs are verified against their SHA-256; where the options allow, the
 * initialization (RandomState) and data are regenerated and compared too.
 *
 * @example
 * const r = checkGolden(readGolden('golden.json'), 1e-9);
 * if (!r.ok) process.exitCode = 1;
 */
export function checkGolden(g: Golden, tol: number): CheckReport {
  checkArguments(g, tol);
  const meta = g.meta,
    c = meta.config,
    T = meta.result.steps_run;
  const notes: string[] = [];
  // The CLI prefixes the file's name to every error of the rerun.
  if (sha256Tensors(g.init) !== meta.sha256.init)
    throw new Error('its initial parameters (init) do not match its sha256.init; the file is corrupt');
  if (sha256Tensors([g.data.X, g.data.Y]) !== meta.sha256.data)
    throw new Error('its data (X, Y) do not match its sha256.data; the file is corrupt');
  const model = goldenModel(c.model, g.init);
  const b = backendInfo();
  if (b.name !== meta.backend.name || b.flavor !== meta.backend.flavor) {
    notes.push(
      `golden made on backend ${meta.backend.name} (${meta.backend.flavor}), rerun on ${b.name} (${b.flavor}): kernel rounding differs (FMA), so expect ~1e-15 relative deviations, amplified in the catapult phase`,
    );
  }
  const devs: Deviation[] = regenerated(g, model, tol, notes);
  const data = { X: g.data.X, Y: g.data.Y, source: c.data_source };
  devs.push(deviation('lambda0', [lambdaAt(model, g.init, data)], [c.lambda0], tol));
  if (c.hessian0 !== null) devs.push(deviation('hessian0', [hessianAt(model, g.init, data)], [c.hessian0], tol));
  // The rerun is as long as the file's arrays: a forged result.diverged cannot make it run config.steps.
  const saved = { ...fromSaved(ORACLE_OPTIONS, c), ...optimizerOptions(c.optimizer), steps: T };
  const options = withDefaults(ORACLE_OPTIONS, saved);
  let r: ReturnType<typeof trainGolden>;
  try {
    r = trainGolden(model, g.init, data, c.eta, options);
  } catch (e) {
    throw new Error(`rerunning the ${T} steps of result.steps_run: ${(e as Error).message}`);
  }
  const mine = trajectoryArrays(model, r.records, g.data.X.shape[0], c.model.outputs, options.batch);
  const exact = (field: string, a: unknown, b: unknown) => {
    const same = a === b;
    const at = same ? null : { step: 0, index: 0, rel: Infinity };
    devs.push({
      field,
      maxAbs: same ? 0 : Infinity,
      maxRel: same ? 0 : Infinity,
      worst: null,
      starts: at,
      first: at,
      unchecked: [],
      ok: same,
    });
  };
  exact('steps_run', r.records.length - 1, T);
  exact('diverged_at', r.diverged?.step ?? null, meta.result.diverged?.step ?? null);
  exact('converged_at', r.convergedAt, meta.result.converged_at);
  exact('phase', r.phase, meta.result.phase);
  const d = g.digits;
  if (d) {
    const rounding = reproducibleDigits({ model, init: g.init, data }, c.eta, options, T + 1)!;
    devs.push(digitsDeviation(rounding.digits, d));
    exact('chaotic', rounding.chaotic, meta.result.chaotic);
    notes.push(
      `the file records reproducible digits per step (from ${d[0].toFixed(1)} to ${d[d.length - 1].toFixed(1)}${meta.result.chaotic ? ', chaotic' : ''}), within ${DIGITS_MARGIN} of the rerun's own estimate: a step may deviate by up to max(--tol, 10^(${DIGITS_SLACK} − digits)); where no digit is left (≤ ${DIGITS_SLACK}) a step beyond --tol is not checkable`,
    );
  }
  const perStep = (t: Tensor) => t.data.length / Math.max(1, t.shape[0]);
  devs.push(
    deviation('loss', mine.loss, g.loss, tol, 1, undefined, d),
    deviation('f', mine.f.data, g.f.data, tol, perStep(g.f), undefined, d),
    deviation('lambda', mine.lambda, g.lambda, tol, 1, undefined, d),
    deviation('param_norm', mine.paramNorm, g.paramNorm, tol, 1, undefined, d),
  );
  if (g.batches !== null && mine.batches !== null) {
    // The rows are integers: any difference fails, whatever --tol says.
    devs.push(deviation('batches', mine.batches.data, g.batches.data, 0, g.batches.shape[1]));
    devs.push(deviation('batch_loss', mine.batchLoss!, g.batchLoss!, tol, 1, undefined, d));
  }
  if (g.params.t.length > 0) {
    meta.param_names.forEach((n, i) =>
      devs.push(
        deviation(`params.${n}`, mine.params.values[i].data, g.params.values[i].data, tol, perStep(g.params.values[i]), g.params.t, d),
      ),
    );
  }
  const unchecked = new Set(devs.flatMap((x) => x.unchecked)).size;
  const inconclusive = unchecked > (T + 1) / 2;
  return { deviations: devs, notes, unchecked, steps: T + 1, inconclusive, ok: devs.every((x) => x.ok) && !inconclusive };
}

/** The data and (from a seed) the initialization regenerated from config.setup, against the stored ones. */
function regenerated(g: Golden, model: Model, tol: number, notes: string[]): Deviation[] {
  const c = g.meta.config,
    m = c.model.kind === 'quadratic' ? c.model.base! : c.model; // a quadratic model's sizes are its base's
  const sizes = { ...(m.width !== undefined && { width: m.width }), ...(m.depth !== undefined && { depth: m.depth }), outputs: m.outputs };
  try {
    const s = setup({ ...c.setup, init: undefined, ...sizes });
    const inputs = concat([g.data.X, g.data.Y]),
      init = concat(g.init); // one step each: compared on the arrays' whole scale
    const devs = [deviation('data (regenerated)', concat([s.data.X, s.data.Y]), inputs, tol, inputs.length)];
    if ('rng' in c.init)
      devs.push(deviation('init (RandomState regenerated)', concat(initParams(model, c.init.seed)), init, tol, init.length));
    return devs;
  } catch (e) {
    // The setup was checked when the file was read: what is left is data this machine does not have (a --data file).
    notes.push(`inputs not regenerated (${(e as Error).message}); the stored ones are used`);
    return [];
  }
}

/** The file's digits against the rerun's estimate: a step more than DIGITS_MARGIN apart fails (|Δ| in digits as "rel"). */
function digitsDeviation(rerun: Float64Array, recorded: Float64Array): Deviation {
  let maxAbs = 0,
    worst: Element | null = null,
    first: Deviation['first'] = null;
  recorded.forEach((x, t) => {
    const diff = Math.abs(x - rerun[t]);
    if (diff > maxAbs) [maxAbs, worst] = [diff, { step: t, index: 0 }];
    if (diff > DIGITS_MARGIN && first === null) first = { step: t, index: 0, rel: diff };
  });
  return { field: 'digits', maxAbs, maxRel: maxAbs, worst, starts: first, first, unchecked: [], ok: first === null };
}

function concat(ts: readonly Tensor[]): Float64Array {
  const out = new Float64Array(ts.reduce((a, t) => a + t.data.length, 0));
  let o = 0;
  for (const t of ts) {
    out.set(t.data, o);
    o += t.data.length;
  }
  return out;
}
