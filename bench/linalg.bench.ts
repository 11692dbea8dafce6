// Linalg kernels benchmark: our dgemm/dgemv/ddot/daxpy vs naive JS loops vs single-threaded numpy, in one run.
import Benchmark from 'benchmark';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ddot, daxpy, dgemv } from '../src/linalg/blas';
import { dgemm, dgemmNaive } from '../src/linalg/gemm';

export const name = 'linalg';

/** One measured operation: `flops` per call; `ours` and `naive` are the JS implementations under test. */
interface Task {
  op: 'dgemm' | 'dgemv' | 'ddot' | 'daxpy';
  n: number;
  flops: number;
  ours: () => void;
  naive: () => void;
  /** Benchmark.js options: slow cases get few samples so the whole run stays under ~2 minutes. */
  opts: Benchmark.Options;
  naiveOpts: Benchmark.Options;
}

interface Timing { gflops: number; bestGflops: number; meanMs: number; rme: number; samples: number }

/** Result sink so the JIT cannot drop ddot calls. */
let sink = 0;

function filled(len: number, seed: number): Float64Array {
  const x = new Float64Array(len);
  for (let i = 0; i < len; i++) x[i] = Math.sin(seed + i * 0.618);
  return x;
}

function naiveDot(n: number, x: Float64Array, y: Float64Array): number {
  let s = 0.0;
  for (let i = 0; i < n; i++) s += x[i] * y[i];
  return s;
}

function naiveAxpy(n: number, a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < n; i++) y[i] += a * x[i];
}

function naiveGemv(n: number, A: Float64Array, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = 0.0;
    for (let j = 0; j < n; j++) s += A[i * n + j] * x[j];
    y[i] = s;
  }
}

function makeTasks(): Task[] {
  const tasks: Task[] = [];
  for (const n of [256, 512, 1024]) {
    const A = filled(n * n, 1);
    const B = filled(n * n, 2);
    const C = new Float64Array(n * n);
    const slow = n >= 1024;
    tasks.push({
      op: 'dgemm', n, flops: 2 * n * n * n,
      ours: () => dgemm(false, false, n, n, n, 1, A, n, 1, 0, B, n, 1, 0, 0, C, n, 1, 0),
      naive: () => dgemmNaive(false, false, n, n, n, 1, A, n, 1, 0, B, n, 1, 0, 0, C, n, 1, 0),
      opts: { minSamples: slow ? 3 : 5, maxTime: slow ? 3 : 2 },
      naiveOpts: { minSamples: 1, maxTime: slow ? 1 : 2 },
    });
  }
  {
    const n = 2048;
    const A = filled(n * n, 3);
    const x = filled(n, 4);
    const y = new Float64Array(n);
    tasks.push({
      op: 'dgemv', n, flops: 2 * n * n,
      ours: () => dgemv(false, n, n, 1, A, n, 1, 0, x, 1, 0, 0, y, 1, 0),
      naive: () => naiveGemv(n, A, x, y),
      opts: { maxTime: 2 }, naiveOpts: { maxTime: 2 },
    });
  }
  for (const n of [16000, 1000000]) {
    const x = filled(n, 5);
    const y = filled(n, 6);
    tasks.push({
      op: 'ddot', n, flops: 2 * n,
      ours: () => { sink += ddot(n, x, 1, 0, y, 1, 0); },
      naive: () => { sink += naiveDot(n, x, y); },
      opts: { maxTime: 1.5 }, naiveOpts: { maxTime: 1.5 },
    });
    tasks.push({
      op: 'daxpy', n, flops: 2 * n,
      ours: () => daxpy(n, 1e-9, x, 1, 0, y, 1, 0),
      naive: () => naiveAxpy(n, 1e-9, x, y),
      opts: { maxTime: 1.5 }, naiveOpts: { maxTime: 1.5 },
    });
  }
  return tasks;
}

/** The numpy side: one python3 process, perf_counter timing, `number` calls per repeat, best and median per call. */
const NUMPY_SCRIPT = `
import sys, json, time, statistics
try:
    import numpy as np
except Exception as e:
    print(json.dumps({"error": "numpy unavailable: %s" % e})); sys.exit(0)
try:
    from scipy.linalg.blas import daxpy as sp_daxpy
except Exception:
    sp_daxpy = None
tasks = json.loads(sys.argv[1])
rng = np.random.default_rng(0)
out = {"numpy": np.__version__, "daxpy_impl": "scipy.linalg.blas.daxpy" if sp_daxpy else "numpy y += a*x (allocates a temporary)", "results": []}
def bench(f, budget):
    f()
    t0 = time.perf_counter(); f(); one = time.perf_counter() - t0
    number = max(1, int(0.02 / max(one, 1e-9)))
    times = []
    start = time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - start < budget and len(times) < 200):
        t0 = time.perf_counter()
        for _ in range(number): f()
        times.append((time.perf_counter() - t0) / number)
    return min(times), statistics.median(times), len(times), number
for t in tasks:
    op, n = t["op"], t["n"]
    if op == "dgemm":
        A = rng.standard_normal((n, n)); B = rng.standard_normal((n, n)); C = np.empty((n, n))
        f = lambda: np.matmul(A, B, out=C)
    elif op == "dgemv":
        A = rng.standard_normal((n, n)); x = rng.standard_normal(n); y = np.empty(n)
        f = lambda: np.dot(A, x, out=y)
    elif op == "ddot":
        x = rng.standard_normal(n); y = rng.standard_normal(n)
        f = lambda: np.dot(x, y)
    else:
        x = rng.standard_normal(n); y = rng.standard_normal(n)
        if sp_daxpy is not None:
            f = lambda: sp_daxpy(x, y, a=1e-9)
        else:
            f = lambda: np.add(y, 1e-9 * x, out=y)
    best, median, reps, number = bench(f, 1.0)
    out["results"].append({"op": op, "n": n, "best_s": best, "median_s": median, "repeats": reps, "number": number})
print(json.dumps(out))
`;

interface NumpyOut { error?: string; numpy?: string; daxpy_impl?: string; results?: Array<{ op: string; n: number; best_s: number; median_s: number; repeats: number; number: number }> }

/** Runs the numpy script single-threaded; OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are dropped for this child only. */
function runNumpy(tasks: Task[]): NumpyOut {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const arg = JSON.stringify(tasks.map((t) => ({ op: t.op, n: t.n })));
  const r = spawnSync('python3', ['-c', NUMPY_SCRIPT, arg], { env, encoding: 'utf8', timeout: 120000 });
  if (r.error) return { error: `python3 unavailable: ${r.error.message}` };
  if (r.status !== 0) return { error: `python3 failed: ${(r.stderr || '').trim().split('\n').pop()}` };
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop() as string) as NumpyOut;
  } catch {
    return { error: 'python3 printed no JSON' };
  }
}

function timing(b: Benchmark, flops: number): Timing {
  const sample = b.stats.sample;
  const best = sample.length > 0 ? Math.min(...sample) : b.stats.mean;
  return { gflops: (flops * b.hz) / 1e9, bestGflops: flops / best / 1e9, meanMs: b.stats.mean * 1e3, rme: b.stats.rme, samples: sample.length };
}

const fmt = (x: number | null, d = 2): string => (x === null || !Number.isFinite(x) ? '-' : x.toFixed(d));

/** Runs all linalg benchmarks, prints the table and writes bench/results/linalg.json. */
export async function run(): Promise<void> {
  const tasks = makeTasks();
  const results = new Map<string, Benchmark>();
  const suite = new Benchmark.Suite('linalg');
  for (const t of tasks) {
    suite.add(`${t.op} ${t.n} ours`, t.ours, t.opts);
    suite.add(`${t.op} ${t.n} naive`, t.naive, t.naiveOpts);
  }
  suite.on('cycle', (ev: Benchmark.Event) => {
    const b = ev.target as unknown as Benchmark;
    results.set(b.name as string, b);
    console.log(`  ${String(b)}`);
  });
  suite.on('error', (ev: Benchmark.Event) => {
    throw new Error(`benchmark ${String((ev.target as unknown as Benchmark).name)} failed: ${String((ev.target as unknown as Benchmark).error)}`);
  });
  console.log('linalg: JS kernels (Benchmark.js, single thread)');
  suite.run({ async: false });

  console.log('linalg: numpy (python3 subprocess, OPENBLAS/OMP/MKL_NUM_THREADS=1)');
  const np = runNumpy(tasks);
  if (np.error) console.log(`  numpy column skipped: ${np.error}`);
  else console.log(`  numpy ${np.numpy}; daxpy via ${np.daxpy_impl}`);

  const rows = tasks.map((t) => {
    const ours = timing(results.get(`${t.op} ${t.n} ours`) as Benchmark, t.flops);
    const naive = timing(results.get(`${t.op} ${t.n} naive`) as Benchmark, t.flops);
    const npr = np.results?.find((r) => r.op === t.op && r.n === t.n);
    const numpy = npr ? { gflops: t.flops / npr.median_s / 1e9, bestGflops: t.flops / npr.best_s / 1e9, medianMs: npr.median_s * 1e3, repeats: npr.repeats, number: npr.number } : null;
    return { op: t.op, n: t.n, flops: t.flops, ours, naive, numpy, oursOverNumpy: numpy ? ours.gflops / numpy.gflops : null, oursOverNaive: ours.gflops / naive.gflops };
  });

  const header = ['op', 'size', 'GFLOP/s ours', 'GFLOP/s naive', 'GFLOP/s numpy', 'ours/numpy', 'ours/naive'];
  const lines = rows.map((r) => [r.op, String(r.n), fmt(r.ours.gflops), fmt(r.naive.gflops), fmt(r.numpy ? r.numpy.gflops : null), fmt(r.oursOverNumpy, 3), fmt(r.oursOverNaive)]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]): string => cells.map((c, i) => (i < 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  console.log('');
  console.log(row(header));
  for (const l of lines) console.log(row(l));
  console.log('(ours/naive: Benchmark.js mean; numpy: median of repeats)');

  const outDir = path.resolve(__dirname, '..', '..', 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const cpus = os.cpus();
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: cpus.length > 0 ? cpus[0].model : 'unknown',
    cpuCount: cpus.length,
    numpy: np.error ? { error: np.error } : { version: np.numpy, daxpy: np.daxpy_impl, threads: 1 },
    notes: 'GFLOP/s: ours and naive from the Benchmark.js mean (best = fastest sample); numpy from the median (best = fastest) of timed repeats.',
    rows,
  };
  fs.writeFileSync(path.join(outDir, 'linalg.json'), JSON.stringify(report, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), path.join(outDir, 'linalg.json'))}`);
}
