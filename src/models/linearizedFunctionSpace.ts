// The linearized model's full-batch GD run in function space: the train NTK Θ = J0 J0ᵀ formed once, then one mk×mk matvec per step.
import { freeF64 } from '../linalg/backend';
import { kernels } from '../linalg/kernels';
import { jvp, structuredNtk, vjp } from '../autodiff';
import { checkFits, memoryLimit } from '../io/files';
import { DIVERGENCE_LOSS } from './trainOptions';
import { classification } from './evaluate';
import { checkLinearizedOptions, LinearizedOptions, LinearizedRun, Linearization } from './linearized';

/** Bytes of the dense train NTK of a linearization on m examples × k outputs: (mk)² float64s. */
const ntkBytes = (lin: Linearization) => 8 * lin.f0.length ** 2;

/** Whether the dense train NTK of `lin` fits under the memory limit (CATAPULT_MEMORY_LIMIT, else half the machine's). */
export function trainNtkFits(lin: Linearization): boolean {
  return ntkBytes(lin) <= memoryLimit();
}

/** Column a of Θ = J0 J0ᵀ: J0·(J0ᵀe_a), one VJP and one JVP over the whole tape. */
function ntkColumn(lin: Linearization, e: Float64Array, a: number): Float64Array {
  e[a] = 1;
  const g = vjp(lin.f, e);
  e[a] = 0;
  const column = jvp(lin.f, g);
  // The JVP may hand back one of g's arrays (an output that is a parameter): free each once.
  for (const x of new Set(g)) if (x !== column) freeF64(x);
  return column;
}

/**
 * How far Θ's structured form may stray from a column built by sweeps before it is taken for a model whose examples
 * interact (batch norm): rounding differs by ~1e-15 of the column's largest entry, interaction by order one.
 */
const STRUCTURE_CHECK = 1e-9;

/** Θ from {@link structuredNtk}, if the tape allows it, memory holds a second (mk)² product, and two columns agree. */
function structuredTrainNtk(lin: Linearization): Float64Array | null {
  const N = lin.f0.length;
  if (2 * ntkBytes(lin) > memoryLimit()) return null;
  const theta = structuredNtk(lin.f);
  if (theta === null) return null;
  const e = new Float64Array(N);
  for (const a of new Set([0, N - 1])) {
    const column = ntkColumn(lin, e, a);
    const scale = column.reduce((s, x) => Math.max(s, Math.abs(x)), 0);
    const worst = column.reduce((s, x, b) => Math.max(s, Math.abs(x - theta[b * N + a])), 0);
    freeF64(column);
    if (!(worst <= STRUCTURE_CHECK * scale)) return null;
  }
  return theta;
}

/**
 * The train NTK Θ = J0 J0ᵀ (mk × mk, row-major, unscaled) of the θ0 tape, exactly symmetric; (mk)² float64s,
 * refused with one line when over the memory limit. Where every parameter enters by one per-example product (an
 * MLP), it is {@link structuredNtk}: k reverse sweeps and a Gram product a layer, checked against two columns
 * built by sweeps. Otherwise (the model mixes examples, as batch norm does) column a is J0·(J0ᵀe_a), so building it
 * costs mk VJPs and mk JVPs — as much as mk parameter-space steps; only the lower triangle of each column is kept and
 * mirrored. `onColumn(a)` is called before column a (for progress: at the paper's fig6 size that takes minutes).
 *
 * @example
 * const theta = trainNtk(linearize(model, theta0, data)); // data: 20 examples × 3 outputs → 60 × 60
 */
export function trainNtk(lin: Linearization, onColumn?: (a: number) => void): Float64Array {
  const N = lin.f0.length;
  const [m, k] = lin.data.Y.shape;
  checkFits(`the dense train NTK Θ (m·k = ${m}·${k} = ${N}: ${N} × ${N} float64s)`, ntkBytes(lin));
  const structured = structuredTrainNtk(lin);
  if (structured !== null) return structured;
  return columnTrainNtk(lin, onColumn);
}

/** Θ column by column (see {@link trainNtk}); exported for the test that the two builds agree. */
export function columnTrainNtk(lin: Linearization, onColumn?: (a: number) => void): Float64Array {
  const N = lin.f0.length;
  const theta = new Float64Array(N * N);
  const e = new Float64Array(N);
  for (let a = 0; a < N; a++) {
    onColumn?.(a);
    const column = ntkColumn(lin, e, a);
    for (let b = a; b < N; b++) theta[a * N + b] = theta[b * N + a] = column[b];
    freeF64(column);
  }
  return theta;
}

/**
 * Full-batch GD on 1/(2km)·Σ(f_lin − y)², run exactly in function space (f_lin is linear in θ): the residual
 * r = f_lin(X) − Y steps r ← r − (η/(km))·Θr, one dgemv over Θ per step (fixed order: each entry of Θr summed in
 * increasing column index), and θ − θ0 = −(η/(km))·J0ᵀ Σ_t r_t comes from one VJP at the end. Same options, losses,
 * stopping and divergence as {@link trainLinearized}, equal to it up to rounding. `ntk` is Θ from {@link trainNtk}
 * (built here when absent): pass it to reuse one Θ for several learning rates.
 *
 * @example
 * const lin = linearize(model, theta0, data);
 * const r = trainLinearizedFunctionSpace(lin, { lr: 0.5, steps: 1000, stopAccuracy: 1 });
 * const test = linearOutputs(linearize(model, theta0, testData), r.delta);
 */
export function trainLinearizedFunctionSpace(lin: Linearization, o: LinearizedOptions & { ntk?: Float64Array }): LinearizedRun {
  checkLinearizedOptions(o);
  const N = lin.f0.length;
  if (o.ntk !== undefined && o.ntk.length !== N * N)
    throw new Error(`the train NTK given has ${o.ntk.length} entries, expected (m·k)² = ${N * N}`);
  const theta = o.ntk ?? trainNtk(lin);
  const Y = lin.data.Y.data,
    [m, k] = lin.data.Y.shape;
  const maxLoss = o.maxLoss ?? DIVERGENCE_LOSS;
  let r = lin.f0.map((f, i) => f - Y[i]),
    next = new Float64Array(N);
  const summed = new Float64Array(N);
  const losses: number[] = [];
  const finish = (diverged: { step: number } | null): LinearizedRun => ({
    losses,
    delta: deltaOf(lin, summed, o.lr),
    diverged,
    steps: losses.length - 1,
  });
  for (let t = 0; ; t++) {
    let L = 0;
    for (let i = 0; i < N; i++) L += r[i] ** 2;
    L /= 2 * m * k;
    losses.push(L);
    o.onStep?.(t, L);
    if (!Number.isFinite(L) || L > maxLoss) return finish({ step: t });
    if (t === o.steps) break;
    if (o.stopAccuracy !== undefined && classification(outputsOf(r, Y), Y, m, k).accuracy >= o.stopAccuracy) break;
    kernels.daxpy(N, 1, r, 1, 0, summed, 1, 0);
    next.set(r);
    // Stride 1 throughout: the native dgemv mishandles stride 0.
    kernels.dgemv(false, N, N, -o.lr / N, theta, N, 1, 0, r, 1, 0, 1, next, 1, 0);
    [r, next] = [next, r];
  }
  return finish(null);
}

/** f_lin = r + Y, for the accuracy test. */
function outputsOf(r: Float64Array, Y: Float64Array): Float64Array {
  return r.map((x, i) => x + Y[i]);
}

/** θ − θ0 = −η·J0ᵀ(Σ_t r_t/(km)): one VJP of the summed residuals. */
function deltaOf(lin: Linearization, summed: Float64Array, lr: number): Float64Array[] {
  const N = summed.length;
  const g = vjp(
    lin.f,
    summed.map((s) => s / N),
  );
  const delta = g.map((p) => p.map((x) => -lr * x));
  g.forEach(freeF64);
  return delta;
}
