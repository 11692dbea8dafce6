// Physical-limit bench: the nominal float64 peak from /proc/cpuinfo beside the large native dgemm rate, the achievable peak other rows are fractions of.
import * as os from 'os';
import { kernels } from '../src/linalg/kernels';
import { nativeAvailable } from '../src/linalg/native/kernels';
import { best, fill, fmt, table, withBackend, writeResults } from './harness';
import { dgemmPeak, machinePeak } from './machine';

export const name = 'peak';

/** Large enough that OpenBLAS runs at its asymptotic rate (n = 2048–4096), small enough to fit beside the other benches. */
const SIZES = [2048, 4096];

/** GFLOP/s of native dgemm at n on `threads` threads (the engine's own path: its parts of C on its thread pool). */
function dgemmRate(n: number, threads: number): number {
  const A = fill(new Float64Array(n * n), 1),
    B = fill(new Float64Array(n * n), 2),
    C = new Float64Array(n * n);
  const seconds = withBackend('native', threads, () =>
    best(() => kernels.dgemm(false, false, n, n, n, 1, A, n, 1, 0, B, n, 1, 0, 0, C, n, 1, 0), 8, 3, `native dgemm n=${n} ${threads}t`),
  );
  return (2 * n ** 3) / seconds / 1e9;
}

/** Prints the physical-limit rows, records the achievable peak for the later benches of this run, writes bench/results/peak.json. */
export async function run(): Promise<void> {
  const nominal = machinePeak();
  console.log(`nominal float64 peak: ${nominal ? nominal.derivation : 'unknown (no /proc/cpuinfo)'}`);
  if (!nativeAvailable()) {
    console.log('  dgemm rows skipped: the native addon is not built');
    writeResults(name, { nominal, dgemm: [] });
    return;
  }
  const threads = [...new Set([1, os.cpus().length])];
  const dgemm = threads.flatMap((t) => SIZES.map((n) => ({ n, threads: t, gflops: dgemmRate(n, t) })));
  for (const t of threads) dgemmPeak.set(t, Math.max(...dgemm.filter((d) => d.threads === t).map((d) => d.gflops)));
  const perThreads = (t: number) => (nominal ? (nominal.gflops * Math.min(t, nominal.cores)) / nominal.cores : null);
  console.log('\nphysical limit (float64 GFLOP/s); the achievable peak is the best large dgemm at each thread count');
  table(
    ['', 'GFLOP/s', 'of nominal'],
    dgemm.map((d) => [`native dgemm n = ${d.n}, ${d.threads} thread(s)`, fmt(d.gflops, 1), fmt(d.gflops / (perThreads(d.threads) ?? NaN))]),
  );
  writeResults(name, {
    nominal,
    dgemm,
    achievable: threads.map((t) => ({ threads: t, gflops: dgemmPeak.get(t), nominalGflops: perThreads(t) })),
  });
}
