// Bench plumbing: timing until the minimum is stable, the numpy and PyTorch subprocesses, a GD step, tables, and bench/results/*.json.
import Benchmark from 'benchmark';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { backendInfo, freeF64, withBackend } from '../src/linalg/backend';
import { kernels } from '../src/linalg/kernels';
import type { Tensor } from '../src/linalg/tensor';
import { vjp } from '../src/autodiff';
import { forwardPass } from '../src/models';
import { setup, Setup } from '../src/experiments';
import { loadReasons, Measurement, measurement, settle, SETTLE, snapshot, STABILITY, stopSampling, wallClock, LOAD_RULE } from './timing';
import { machinePeak } from './machine';

/** Every row timed in this process, in order; a results file takes the rows since the previous one. */
export const journal: Measurement[] = [];
let resultsMark = 0;

/** `f`'s value and the rows timed while it ran. */
export function measuring<T>(f: () => T): { value: T; timed: Measurement[] } {
  const mark = journal.length;
  const value = f();
  return { value, timed: journal.slice(mark) };
}

/** The rows timed since `mark` (a `journal.length` taken before them): what a table row or a results row was measured by. */
export function measuredSince(mark: number): Measurement[] {
  return journal.slice(mark);
}

/** The active backend and its threads, the default name of a row. */
function backendLabel(): { what: string; threads: number } {
  const info = backendInfo();
  return { what: `${info.name} ${info.threads}t`, threads: info.threads };
}

/** What runs before each row: timing.ts's settle (a test replaces it, so the suite does not wait on the machine's load). */
export const hooks = { settle: (): number => settle() };

/**
 * Fastest per-call time of `fn` in seconds, sampled until the minimum is stable (timing.ts's STABILITY: the last 5
 * samples improved it by at most 1 %), within `maxTime` seconds and after at least `minSamples` samples. Benchmark.js
 * takes the samples (it sizes each sample's loop so the timer's resolution does not matter and warms `fn` up); the
 * stability rule stops it. The best sample, not the mean: interference only ever adds time. The row, with its load
 * average and CPU time, goes to the journal as `what` (default: the backend and its threads).
 */
export function best(fn: () => void, maxTime = 1.5, minSamples = 5, what?: string): number {
  hooks.settle();
  const before = snapshot();
  const mins: number[] = [];
  let stop: 'stable' | 'budget' | null = null;
  const bench: Benchmark = new Benchmark(fn, {
    maxTime,
    minSamples,
    initCount: 1,
    onCycle: () => {
      // Calibration cycles add no sample; a timed cycle adds one.
      for (const s of bench.stats.sample.slice(mins.length)) mins.push(Math.min(s, mins[mins.length - 1] ?? Infinity));
      stop = stopSampling(mins, wallClock() - before.wall, maxTime, minSamples);
      if (stop !== null) bench.abort(); // abort resets Benchmark's stats: `mins` keeps the samples
    },
  });
  bench.run({ async: false });
  if (bench.error) throw bench.error;
  // Past its own maxTime Benchmark.js ends without a last cycle event: its stats still hold every sample.
  if (!bench.aborted) for (const s of bench.stats.sample.slice(mins.length)) mins.push(Math.min(s, mins[mins.length - 1] ?? Infinity));
  if (mins.length === 0) throw new Error('bench: Benchmark.js took no sample');
  const min = mins[mins.length - 1];
  const label = backendLabel();
  const row = { ...label, what: what ?? label.what, seconds: min, repeats: mins.length, stable: stop === 'stable' };
  journal.push(measurement(row, before, snapshot()));
  return min;
}

/**
 * One slow call timed directly, the fastest of a fixed `repeats` (for cases too slow to repeat until stable, like naive
 * gemm at 2048); journaled with `stable: null`.
 */
export function once(fn: () => void, repeats = 1, what?: string): number {
  hooks.settle();
  const before = snapshot();
  let t = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t0 = wallClock();
    fn();
    t = Math.min(t, wallClock() - t0);
  }
  const label = backendLabel();
  journal.push(measurement({ ...label, what: what ?? label.what, seconds: t, repeats, stable: null }, before, snapshot()));
  return t;
}

export interface NumpyResult {
  kind: string;
  seconds: number;
  gflops?: number;
  impl?: string;
  /** What ref_timing.py reports beside the time: repeats, stability, wall and CPU seconds, load averages, others' CPUs. */
  reps?: number;
  stable?: boolean;
  wallSeconds?: number;
  cpuSeconds?: number;
  loadBefore?: number[];
  loadAfter?: number[];
  othersCores?: number | null;
  [key: string]: unknown;
}
export interface NumpyRun {
  error?: string;
  numpy?: string;
  blas?: string | null;
  results: NumpyResult[];
}

/** Runs bench/<script> under `python` on `cases` with `threads` BLAS threads (OPENBLAS_CORETYPE / _L2_SIZE unset for it only). */
function pythonRef(script: string, python: string, cases: object[], threads: number, minTime: number): NumpyRun {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OPENBLAS_NUM_THREADS: String(threads),
    OMP_NUM_THREADS: String(threads),
    MKL_NUM_THREADS: String(threads),
    // PyTorch's OpenMP threads otherwise spin between parallel regions while its OpenBLAS threads work: 4 runnable
    // threads on 2 CPUs. Measured on the MLP GD step at 2 threads: 96–110 ms spinning, 59–66 ms passive (1 thread: no
    // change). The reference runs in its best configuration, so a ratio against it is not flattered.
    OMP_WAIT_POLICY: 'PASSIVE',
  };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const file = path.join(__dirname, '..', '..', 'bench', script);
  const r = spawnSync(python, [file], {
    env,
    input: JSON.stringify({
      cases,
      minTime,
      threads,
      stability: { ...STABILITY, settle: { ...SETTLE, loadMargin: LOAD_RULE.loadMargin } },
    }),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    timeout: 1800_000,
  });
  if (r.error) return { error: `${python} unavailable: ${r.error.message}`, results: [] };
  if (r.status !== 0) return { error: `${script} failed: ${(r.stderr || '').trim().split('\n').pop()}`, results: [] };
  const run = JSON.parse(r.stdout) as NumpyRun;
  for (const res of run.results) journal.push(referenceMeasurement(script, res, threads));
  return run;
}

/** A Python reference case as a journal row, judged by the same rule as catapult's rows from the figures it reports. */
export function referenceMeasurement(script: string, r: NumpyResult, threads: number, cpus = os.cpus().length): Measurement {
  const sizes = ['n', 'width', 'batch'].filter((k) => r[k] !== undefined).map((k) => `${k}=${r[k]}`);
  const m = {
    what: [script.replace(/_ref\.py$/, ''), r.kind, ...sizes, `${threads}t`].join(' '),
    threads,
    seconds: r.seconds,
    repeats: r.reps ?? 0,
    stable: r.stable ?? null,
    wallSeconds: r.wallSeconds ?? 0,
    cpuSeconds: r.cpuSeconds ?? 0,
    loadBefore: r.loadBefore ?? [],
    loadAfter: r.loadAfter ?? [],
    othersCores: r.othersCores ?? null,
  };
  const reasons = loadReasons(m, cpus);
  return { ...m, loaded: reasons.length > 0, loadReasons: reasons };
}

/** Runs bench/numpy_ref.py on `cases` with `threads` BLAS threads, each case repeated until its minimum is stable within `minTime` seconds. */
export function numpy(cases: object[], threads: number, minTime = 0.5): NumpyRun {
  return pythonRef('numpy_ref.py', 'python3', cases, threads, minTime);
}

/** Debian's python3-torch lives under the system interpreter, not the pyenv one that has numpy. */
const TORCH_PYTHON = '/usr/bin/python3';
let torchMissing: string | null | undefined;

/** Why the PyTorch columns are skipped (null when `import torch` works under /usr/bin/python3). */
export function torchUnavailable(): string | null {
  if (torchMissing === undefined) {
    const r = spawnSync(TORCH_PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
    torchMissing =
      r.status === 0 ? null : `${TORCH_PYTHON} -c 'import torch' fails (${r.error?.message ?? (r.stderr || '').trim().split('\n').pop()})`;
  }
  return torchMissing;
}

/** Runs bench/torch_ref.py (torch.set_num_threads(threads)) on `cases`, each within `minTime` seconds as numpy's; an error run when PyTorch is not there. */
export function torch(cases: object[], threads: number, minTime = 0.5): NumpyRun {
  const missing = torchUnavailable();
  return missing ? { error: missing, results: [] } : pythonRef('torch_ref.py', TORCH_PYTHON, cases, threads, minTime);
}

/** One GD step as `train` takes it: forward, the loss gradient, the update, the tape and the gradients handed back. */
export function gdStep(s: Setup, params: Tensor[], lr: number): void {
  const { tape, loss } = forwardPass(s.model, params, s.data);
  const g = vjp(loss, Float64Array.of(1));
  g.forEach((gi, i) => {
    kernels.daxpy(gi.length, -lr, gi, 1, 0, params[i].data, 1, 0);
    freeF64(gi);
  });
  tape.dispose();
}

/** The numpy result matching every field of `match`. */
export function pick(run: NumpyRun, match: Record<string, unknown>): NumpyResult | undefined {
  return run.results.find((r) => Object.entries(match).every(([k, v]) => r[k] === v));
}

export { withBackend };

export const fmt = (x: number | null | undefined, d = 2): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(d);

/** A row's load column: the highest 1-min load before its measurements, their CPU/wall range, and LOADED or ~ (unstable). */
function loadCells(ms: Measurement[]): string[] {
  const load = Math.max(...ms.map((m) => m.loadBefore[0] ?? NaN));
  const shares = ms.filter((m) => m.wallSeconds > 0).map((m) => m.cpuSeconds / m.wallSeconds);
  const [lo, hi] = [fmt(Math.min(...shares)), fmt(Math.max(...shares))];
  const share = shares.length === 0 ? '-' : lo === hi ? lo : `${lo}–${hi}`;
  const flags = [ms.some((m) => m.loaded) ? 'LOADED' : '', ms.some((m) => m.stable === false) ? '~' : ''].filter(Boolean);
  return [[fmt(load), ...flags].join(' '), share];
}

/**
 * Prints an aligned table: first column left, the rest right. When rows were timed, two columns say how: the 1-min
 * load average before them and their CPU/wall time, LOADED for a row measured under load (and ~ for a minimum not
 * stable within its budget). `perRow` gives each row its own measurements; without it every row gets all the rows
 * timed since the previous results file (a loaded one marks them all: the cautious reading).
 */
export function table(header: string[], rows: string[][], perRow?: Measurement[][]): void {
  const timed = rows.map((_, i) => perRow?.[i] ?? journal.slice(resultsMark));
  const withLoad = timed.some((ms) => ms.length > 0);
  if (withLoad) {
    header = [...header, 'load 1m', 'cpu/wall'];
    rows = rows.map((r, i) => [...r, ...(timed[i].length > 0 ? loadCells(timed[i]) : ['', ''])]);
  }
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
  const loaded = [...new Set(timed.flat())].filter((m) => m.loaded);
  if (loaded.length > 0) console.log(`  LOADED: ${loaded.length} measurement(s), e.g. ${loaded[0].what}: ${loaded[0].loadReasons[0]}`);
}

/** Where results go; the env variable that lets a loaded run write them anyway (for development, never for a commit). */
export const RESULTS_DIR = path.join(__dirname, '..', '..', 'bench', 'results');
export const ALLOW_LOADED = 'CATAPULT_BENCH_ALLOW_LOADED';

/**
 * Writes bench/results/<name>.json with the machine description and every row timed since the previous call (wall
 * and CPU time, load averages, stability, verdict). A results file is committed as the bench's figures, so when any
 * row was loaded it goes to <dir>/loaded/<name>.json instead (gitignored), and one line says so, unless
 * CATAPULT_BENCH_ALLOW_LOADED=1. Returns the path written.
 */
export function writeResults(name: string, data: object, opts: { dir?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const dir = opts.dir ?? RESULTS_DIR,
    env = opts.env ?? process.env;
  const measurements = journal.slice(resultsMark);
  resultsMark = journal.length;
  const loaded = measurements.filter((m) => m.loaded);
  const refuse = loaded.length > 0 && env[ALLOW_LOADED] !== '1';
  const cpus = os.cpus();
  const file = refuse ? path.join(dir, 'loaded', `${name}.json`) : path.join(dir, `${name}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const body = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus[0]?.model ?? 'unknown',
    cpuCount: cpus.length,
    backend: backendInfo(),
    ...data,
    peak: machinePeak(),
    load: { before: measurements[0]?.loadBefore ?? os.loadavg(), after: measurements.at(-1)?.loadAfter ?? os.loadavg() },
    loaded: loaded.length > 0,
    rules: { stability: STABILITY, load: LOAD_RULE, settle: SETTLE },
    measurements,
  };
  fs.writeFileSync(file, JSON.stringify(body, null, 2) + '\n');
  const shown = path.relative(process.cwd(), file);
  if (refuse)
    console.log(
      `${path.relative(process.cwd(), path.join(dir, `${name}.json`))} not written: ${loaded.length} of ${measurements.length} rows ran under load (${loaded[0].what}: ${loaded[0].loadReasons[0]}); wrote ${shown} (${ALLOW_LOADED}=1 writes it anyway, for development)`,
    );
  else console.log(`wrote ${shown}${loaded.length > 0 ? ` (${loaded.length} loaded rows, allowed by ${ALLOW_LOADED}=1)` : ''}`);
  return file;
}

/** Deterministic, cheap fill (sin of a golden-ratio walk): no RNG cost for gigabyte arrays. */
export function fill(x: Float64Array, seed: number): Float64Array {
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(seed + i * 0.618);
  return x;
}

/** The benches' ReLU MLP: NTK parameterization, σ_w = √2, σ_b = 0, seed 0, on synthetic inputs (data seed 0). */
export function reluMlpSetup(d: { width: number; depth: number; batch: number; inputDim: number; outputs: number }): Setup {
  return setup({
    model: 'mlp',
    width: d.width,
    depth: d.depth,
    act: 'relu',
    param: 'ntk',
    sigmaW: Math.SQRT2,
    sigmaB: 0,
    outputs: d.outputs,
    seed: 0,
    samples: d.batch,
    inputDim: d.inputDim,
    dataSeed: 0,
  });
}
