// What a golden file's arrays must satisfy before anything is rerun: shapes, step indices, digits and divergence flags.
import { Tensor, shapeString } from '../../linalg/tensor';
import type { Golden, GoldenMeta } from './goldenFormat';

/** The saved steps of θ_t must be exactly t = 0, K, 2K, … ≤ steps_run (K = params_every), or none when K = 0. */
export function checkSavedSteps(saves: unknown, meta: GoldenMeta, file: string): number[] {
  const K = meta.config.params_every as number;
  const want = K === 0 ? [] : Array.from({ length: Math.floor(meta.result.steps_run / K) + 1 }, (_, i) => i * K);
  const got = Array.isArray(saves) ? saves : [];
  if (!Array.isArray(saves) || got.length !== want.length || got.some((t, i) => t !== want[i])) {
    const wanted =
      K === 0
        ? '[] (config.params_every = 0 stores no θ_t)'
        : `the steps 0, ${K}, 2·${K}, … ≤ ${meta.result.steps_run} that config.params_every = ${K} gives`;
    throw new Error(
      `${file}: golden field params.t ${JSON.stringify(Array.isArray(saves) ? saves.slice(0, 8) : saves)?.slice(0, 60)} is not ${wanted}`,
    );
  }
  return got as number[];
}

/** The step index `t` of a file must be 0, 1, …, steps_run. */
export function checkStepIndex(t: unknown, meta: GoldenMeta, file: string): void {
  const T = meta.result.steps_run;
  const list = Array.isArray(t) || t instanceof Float64Array ? Array.from(t as ArrayLike<unknown>) : null;
  const bad = list === null ? -1 : list.length !== T + 1 ? Math.min(list.length, T + 1) : list.findIndex((x, i) => x !== i);
  if (list === null || bad >= 0)
    throw new Error(`${file}: golden field t${list === null ? '' : `[${bad}]`} is not the steps 0, 1, …, ${T} (result.steps_run)`);
}

/** Every entry of `batches` is a row of the m training rows (an integer in [0, m)): one line naming the first that is not. */
export function checkBatches(batches: Tensor, m: number, file: string): Tensor {
  const B = batches.shape[1];
  const bad = batches.data.findIndex((x) => !(Number.isInteger(x) && x >= 0 && x < m));
  if (bad >= 0) {
    const at = `batches[${Math.floor(bad / B)}][${bad % B}]`;
    throw new Error(`${file}: golden field ${at} is ${batches.data[bad]}, not one of the ${m} training rows (0 … ${m - 1})`);
  }
  return batches;
}

/**
 * A golden in memory (as read, or as a library caller built it): every array of the shape its metadata gives, the
 * digits and chaos flag recorded exactly where the rounding model applies (gd), and the divergence flag agreeing
 * with the recorded losses.
 *
 * @example
 * checkGoldenArrays(g, 'golden.json'); // throws: golden.json: golden field loss has 7 entries, expected 61
 */
export function checkGoldenArrays(g: Golden, file: string): void {
  const meta = g.meta,
    T = meta.result.steps_run,
    k = meta.config.model.outputs;
  const shaped = (what: string, t: Tensor | undefined, shape: readonly number[]) => {
    if (!(t?.data instanceof Float64Array) || t.shape.join() !== shape.join() || t.data.length !== shape.reduce((a, b) => a * b, 1))
      throw new Error(
        `${file}: golden field ${what} ${t?.shape ? `has shape ${shapeString(t.shape)}` : 'is missing'}, expected ${shapeString(shape)}`,
      );
  };
  const m = g.data?.X?.shape?.[0] ?? 0;
  shaped('data.X', g.data?.X, [m, meta.config.model.inputDim]);
  shaped('data.Y', g.data?.Y, [m, k]);
  meta.param_names.forEach((n, i) => shaped(`init.${n}`, g.init?.[i], meta.param_shapes[i]));
  for (const [what, a] of [
    ['loss', g.loss],
    ['lambda', g.lambda],
    ['param_norm', g.paramNorm],
  ] as const)
    checkSeries(a, T + 1, what, file);
  shaped('f', g.f, [T + 1, m, k]);
  const saves = checkSavedSteps(g.params?.t, meta, file);
  meta.param_names.forEach((n, i) => shaped(`params.${n}`, g.params.values?.[i], [saves.length, ...meta.param_shapes[i]]));
  const batch = meta.config.batch as number | undefined;
  if (batch === undefined && (g.batches != null || g.batchLoss != null))
    throw new Error(`${file}: golden fields batches and batch_loss belong to minibatch runs, and config.batch is not set`);
  if (batch !== undefined) {
    shaped('batches', g.batches ?? undefined, [T, batch]);
    checkBatches(g.batches!, m, file);
    checkSeries(g.batchLoss, T + 1, 'batch_loss', file);
  }
  checkErrorBars(g, file);
  checkDivergence(g, file);
}

/** digits and result.chaotic: both recorded for gd (the rounding model's map), neither for Adam; digits in [0, 16]. */
function checkErrorBars(g: Golden, file: string): void {
  const opt = g.meta.config.optimizer,
    gd = opt === undefined || opt.name === 'gd',
    chaotic = g.meta.result.chaotic;
  const missing = g.digits == null ? 'digits' : chaotic === undefined ? 'result.chaotic' : null;
  if (gd && missing !== null)
    throw new Error(`${file}: golden field ${missing} is missing: a gd run records its reproducible digits and chaos flag`);
  if (!gd && (g.digits != null || chaotic !== undefined))
    throw new Error(
      `${file}: golden field ${g.digits != null ? 'digits' : 'result.chaotic'} is recorded, but the rounding model follows gd, not ${opt!.name}`,
    );
  if (g.digits == null) return;
  checkSeries(g.digits, g.meta.result.steps_run + 1, 'digits', file);
  const bad = g.digits.findIndex((x) => !(x >= 0 && x <= 16));
  if (bad >= 0) throw new Error(`${file}: digits[${bad}] is ${g.digits[bad]}, not a number of digits in [0, 16]`);
}

/** A per-step series: n float64 entries (steps_run + 1). */
function checkSeries(a: unknown, n: number, what: string, file: string): void {
  if (!(a instanceof Float64Array) || a.length !== n)
    throw new Error(`${file}: golden field ${what} ${a instanceof Float64Array ? `has ${a.length} entries` : 'is missing'}, expected ${n}`);
}

/**
 * result.diverged agrees with the recorded losses: a run stops at its first loss beyond config.max_loss (or not finite,
 * or ‖θ‖ not finite), so every earlier step is within it, and the last step of a diverged run is not.
 */
function checkDivergence(g: Golden, file: string): void {
  const r = g.meta.result,
    maxLoss = g.meta.config.max_loss as number,
    T = r.steps_run;
  const within = (t: number) => g.loss[t] <= maxLoss && Number.isFinite(g.paramNorm[t]);
  const early = Array.from({ length: r.diverged ? T : T + 1 }, (_, t) => t).find((t) => !within(t));
  if (early !== undefined)
    throw new Error(
      `${file}: golden field loss[${early}] is ${g.loss[early]} (‖θ‖ ${g.paramNorm[early]}), beyond config.max_loss ${maxLoss}, but result.diverged ${r.diverged ? `is at step ${T}` : 'is null'}`,
    );
  if (r.diverged && g.loss[T] < maxLoss && Number.isFinite(g.paramNorm[T]))
    throw new Error(
      `${file}: golden field result.diverged says step ${T}, but loss[${T}] ${g.loss[T]} is within config.max_loss ${maxLoss}`,
    );
}
