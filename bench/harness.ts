// Bench plumbing: best-of timing with Benchmark.js, the numpy and PyTorch subprocesses, a GD step, tables, and bench/results/*.json.
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

/**
 * Fastest per-call time of `fn` in seconds. The best sample, not the mean: these machines are shared,
 * and interference only ever adds time. numpy_ref.py reports its fastest batch the same way.
 */
export function best(fn: () => void, maxTime = 1.5, minSamples = 5): number {
  const b = new Benchmark(fn, { maxTime, minSamples, initCount: 1 });
  b.run({ async: false });
  if (b.error) throw b.error;
  const s = b.stats.sample;
  return s.length > 0 ? Math.min(...s) : b.stats.mean;
}

/** One slow call timed directly (for cases too slow for Benchmark.js calibration, like naive gemm at 2048). */
export function once(fn: () => void, repeats = 1): number {
  let t = Infinity;
  for (let r = 0; r < repeats; r++) {
    const t0 = process.hrtime.bigint();
    fn();
    t = Math.min(t, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  return t;
}

export interface NumpyResult {
  kind: string;
  seconds: number;
  gflops?: number;
  impl?: string;
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
  };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const file = path.join(__dirname, '..', '..', 'bench', script);
  const r = spawnSync(python, [file], {
    env,
    input: JSON.stringify({ cases, minTime, threads }),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    timeout: 1800_000,
  });
  if (r.error) return { error: `${python} unavailable: ${r.error.message}`, results: [] };
  if (r.status !== 0) return { error: `${script} failed: ${(r.stderr || '').trim().split('\n').pop()}`, results: [] };
  return JSON.parse(r.stdout) as NumpyRun;
}

/** Runs bench/numpy_ref.py on `cases` with `threads` BLAS threads. */
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

/** Runs bench/torch_ref.py (torch.set_num_threads(threads)) on `cases`; an error run when PyTorch is not there. */
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

/** Prints an aligned table: first column left, the rest right. */
export function table(header: string[], rows: string[][]): void {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ');
  console.log(line(header));
  for (const r of rows) console.log(line(r));
}

/** Writes bench/results/<name>.json with the machine description. */
export function writeResults(name: string, data: object): void {
  const dir = path.join(__dirname, '..', '..', 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const cpus = os.cpus();
  const file = path.join(dir, `${name}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify(
      {
        date: new Date().toISOString(),
        node: process.version,
        cpu: cpus[0]?.model ?? 'unknown',
        cpuCount: cpus.length,
        backend: backendInfo(),
        ...data,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
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
