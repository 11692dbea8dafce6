// Kernel bench: gemm (naive JS, tiled JS, wasm and native on 1 and 2 threads, numpy and PyTorch on 1 and 2) and memory-bound gemv/dot/axpy.
import { activeRuntime, backendInfo, useBackend } from '../src/linalg/backend';
import * as blas from '../src/linalg/blas';
import { dgemm as jsGemm, dgemmNaive } from '../src/linalg/gemm';
import { kernels } from '../src/linalg/kernels';
import { nativeAvailable } from '../src/linalg/native/kernels';
import { ofPeak } from './machine';
import { best, fill, fmt, journal, measuredSince, numpy, once, pick, table, torch, withBackend, writeResults } from './harness';
import type { Measurement } from './timing';

export const name = 'kernels';

const GEMM_SIZES = [256, 512, 1024, 2048];
let sink = 0;
/** Each result row's measurements (its references' included), for the table's load columns and the row's `loaded`. */
const timedRows = new Map<object, Measurement[]>();

/** Marks `row` loaded when any of its measurements was, and keeps them for the table. */
function withLoad<T extends object>(row: T, timed: Measurement[]): T & { loaded: boolean } {
  const r = { ...row, loaded: timed.some((m) => m.loaded) };
  timedRows.set(r, timed);
  return r;
}

/** The reference cases of size n among `refs` (their rows are named '<script> <kind> n=<n> …'). */
const refsOf = (refs: Measurement[], kind: string, n: number) => refs.filter((m) => m.what.includes(` ${kind} n=${n} `));

/** A zeroed array in the wasm heap (where the engine's tensors live), falling back to JS memory. */
function heapArray(n: number): Float64Array {
  return activeRuntime()?.heap.alloc(n) ?? new Float64Array(n);
}

function free(...xs: Float64Array[]): void {
  for (const x of xs) activeRuntime()?.heap.freeView(x);
}

/** Runs `f` on the native backend with `threads` threads; null where the addon is not built. */
function onNative<T>(threads: number, f: () => T): T | null {
  return nativeAvailable() ? withBackend('native', threads, f) : null;
}

function gemmRows(): object[] {
  const refMark = journal.length;
  const np1 = numpy(
    GEMM_SIZES.map((n) => ({ kind: 'gemm', n })),
    1,
  );
  const np2 = numpy(
    GEMM_SIZES.map((n) => ({ kind: 'gemm', n })),
    2,
  );
  const pt1 = torch(
    GEMM_SIZES.map((n) => ({ kind: 'gemm', n })),
    1,
  );
  const pt2 = torch(
    GEMM_SIZES.map((n) => ({ kind: 'gemm', n })),
    2,
  );
  if (np1.error) console.log(`  numpy columns skipped: ${np1.error}`);
  if (pt1.error) console.log(`  PyTorch columns skipped: ${pt1.error}`);
  if (!nativeAvailable()) console.log('  native columns skipped: the addon is not built');
  const refs = measuredSince(refMark);
  const rows = [];
  for (const n of GEMM_SIZES) {
    const mark = journal.length;
    const flops = 2 * n * n * n,
      gf = (s: number) => flops / s / 1e9;
    useBackend('wasm', 2);
    const A = fill(heapArray(n * n), 1),
      B = fill(heapArray(n * n), 2),
      C = heapArray(n * n);
    const call = (f: typeof jsGemm) => () => f(false, false, n, n, n, 1, A, n, 1, 0, B, n, 1, 0, 0, C, n, 1, 0);
    const slow = n >= 1024;
    const naive = gf(
      n >= 2048 ? once(call(dgemmNaive), 1, `naive JS gemm n=${n}`) : best(call(dgemmNaive), slow ? 2 : 1, 1, `naive JS gemm n=${n}`),
    );
    const tiled = gf(best(call(jsGemm), slow ? 3 : 1.5, 3, `tiled JS gemm n=${n}`));
    const wasm1 = gf(withBackend('wasm', 1, () => best(call(kernels.dgemm), 2, 5, `wasm gemm n=${n} 1t`)));
    const wasm2 = gf(withBackend('wasm', 2, () => best(call(kernels.dgemm), 2, 5, `wasm gemm n=${n} 2t`)));
    const simd2 = gf(withBackend('wasm-simd', 2, () => best(call(kernels.dgemm), 2, 5, `wasm-simd gemm n=${n} 2t`)));
    free(A, B, C);
    // Native operands are plain JS arrays, where the engine's tensors live on that backend.
    const jA = A.slice(),
      jB = B.slice(),
      jC = new Float64Array(n * n);
    const nat = () => best(() => kernels.dgemm(false, false, n, n, n, 1, jA, n, 1, 0, jB, n, 1, 0, 0, jC, n, 1, 0), 2, 5);
    const t1 = onNative(1, nat),
      t2 = onNative(2, nat);
    const native1 = t1 === null ? null : gf(t1),
      native2 = t2 === null ? null : gf(t2);
    const n1 = pick(np1, { kind: 'gemm', n })?.gflops,
      n2 = pick(np2, { kind: 'gemm', n })?.gflops;
    const torch1 = pick(pt1, { kind: 'gemm', n })?.gflops ?? null,
      torch2 = pick(pt2, { kind: 'gemm', n })?.gflops ?? null;
    const ratio = (a: number | null, b: number | undefined) => (a !== null && b ? a / b : null);
    const peak1 = ofPeak(native1, 1),
      peak2 = ofPeak(native2, 2);
    const row = {
      n,
      naive,
      tiled,
      wasm1,
      wasm2,
      simd2,
      native1,
      native2,
      numpy1: n1 ?? null,
      numpy2: n2 ?? null,
      torch1,
      torch2,
      wasm2OverNumpy2: ratio(wasm2, n2),
      wasm1OverNumpy1: ratio(wasm1, n1),
      native1OverNumpy1: ratio(native1, n1),
      native2OverNumpy2: ratio(native2, n2),
      native2OverWasm2: ratio(native2, wasm2),
      native1OverTorch1: ratio(native1, torch1 ?? undefined),
      native2OverTorch2: ratio(native2, torch2 ?? undefined),
      wasm2OverTiled: wasm2 / tiled,
      wasm2OverNaive: wasm2 / naive,
      speedup2: wasm2 / wasm1,
      nativeSpeedup2: ratio(native2, native1 ?? undefined),
      native1OfNominalPeak: peak1.ofNominal,
      native2OfNominalPeak: peak2.ofNominal,
      native1OfDgemmPeak: peak1.ofDgemm,
      native2OfDgemmPeak: peak2.ofDgemm,
    };
    rows.push(withLoad(row, [...refsOf(refs, 'gemm', n), ...measuredSince(mark)]));
    console.log(
      `  gemm ${n}: native ${fmt(native1, 1)} / ${fmt(native2, 1)} GFLOP/s on 1 / 2 threads, wasm ${fmt(wasm1, 1)} / ${fmt(wasm2, 1)}, numpy ${fmt(n1, 1)} / ${fmt(n2, 1)}, PyTorch ${fmt(torch1, 1)} / ${fmt(torch2, 1)}; native at ${fmt(peak1.ofNominal && peak1.ofNominal * 100, 0)} / ${fmt(peak2.ofNominal && peak2.ofNominal * 100, 0)} % of the nominal peak`,
    );
  }
  return rows;
}

interface MemCase {
  kind: 'gemv' | 'dot' | 'axpy';
  n: number;
}

function memoryBoundRows(): object[] {
  const cases: MemCase[] = [
    { kind: 'gemv', n: 2048 },
    { kind: 'gemv', n: 16000 },
    { kind: 'dot', n: 16000 },
    { kind: 'dot', n: 1e6 },
    { kind: 'axpy', n: 16000 },
    { kind: 'axpy', n: 1e6 },
  ];
  const refMark = journal.length;
  const np1 = numpy(cases, 1);
  const refs = measuredSince(refMark);
  const rows = [];
  for (const c of cases) {
    const mark = journal.length;
    useBackend('wasm', 1);
    const n = c.n;
    const flops = c.kind === 'gemv' ? 2 * n * n : 2 * n,
      gf = (s: number) => flops / s / 1e9;
    // gemv at 16000 is a 2 GiB matrix: it lives once, in the wasm heap, and the JS kernel reads the same array.
    const A = c.kind === 'gemv' ? fill(heapArray(n * n), 3) : new Float64Array(0);
    const x = fill(heapArray(n), 4),
      y = fill(heapArray(n), 5);
    const time = (js: boolean) => {
      const k = js ? blas : kernels;
      const t = c.kind === 'gemv' ? 2 : 1;
      if (c.kind === 'gemv') return best(() => k.dgemv(false, n, n, 1, A, n, 1, 0, x, 1, 0, 0, y, 1, 0), t, 3);
      if (c.kind === 'dot')
        return best(() => {
          sink += k.ddot(n, x, 1, 0, y, 1, 0);
        }, t);
      return best(() => k.daxpy(n, 1e-9, x, 1, 0, y, 1, 0), t);
    };
    const js = gf(time(true));
    const wasm1 = gf(time(false));
    const wasm2 = c.kind === 'gemv' ? gf(withBackend('wasm', 2, () => time(false))) : null;
    // The native addon reads the same arrays (the wasm heap is ordinary memory to it): no second 2 GiB matrix.
    const t1 = onNative(1, () => time(false)),
      t2 = c.kind === 'gemv' ? onNative(2, () => time(false)) : null;
    const native1 = t1 === null ? null : gf(t1),
      native2 = t2 === null ? null : gf(t2);
    free(A, x, y);
    const np = pick(np1, { kind: c.kind, n: c.n });
    const row = {
      ...c,
      js,
      wasm1,
      wasm2,
      native1,
      native2,
      numpy1: np?.gflops ?? null,
      numpyImpl: np?.impl,
      wasm1OverNumpy1: np?.gflops ? wasm1 / np.gflops : null,
      native1OverNumpy1: np?.gflops && native1 !== null ? native1 / np.gflops : null,
    };
    rows.push(withLoad(row, [...refsOf(refs, c.kind, n), ...measuredSince(mark)]));
    console.log(`  ${c.kind} ${n}: native ${fmt(native1)} GFLOP/s, wasm ${fmt(wasm1)}, js ${fmt(js)}, numpy ${fmt(np?.gflops)}`);
  }
  return rows;
}

/** Runs both parts, prints the tables and writes bench/results/kernels.json. */
export async function run(): Promise<void> {
  const before = backendInfo();
  const gemm = gemmRows() as Array<Record<string, number>>;
  const mem = memoryBoundRows() as Array<Record<string, number | string>>;
  useBackend(before.name, before.threads);
  console.log('\ngemm, GFLOP/s (best call; wasm operands in the wasm heap, native ones in JS memory; 1 thread = 1T)');
  table(
    [
      'n',
      'naive JS',
      'tiled JS',
      'wasm 1T',
      'wasm 2T',
      'wasm-simd 2T',
      'native 1T',
      'native 2T',
      'numpy 1T',
      'numpy 2T',
      'PyTorch 1T',
      'PyTorch 2T',
      'native/numpy 1T',
      'native/numpy 2T',
      'native/PyTorch 2T',
      'native/wasm 2T',
      'wasm/numpy 2T',
    ],
    gemm.map((r) => [
      String(r.n),
      fmt(r.naive),
      fmt(r.tiled),
      fmt(r.wasm1, 1),
      fmt(r.wasm2, 1),
      fmt(r.simd2, 1),
      fmt(r.native1, 1),
      fmt(r.native2, 1),
      fmt(r.numpy1, 1),
      fmt(r.numpy2, 1),
      fmt(r.torch1, 1),
      fmt(r.torch2, 1),
      fmt(r.native1OverNumpy1, 3),
      fmt(r.native2OverNumpy2, 3),
      fmt(r.native2OverTorch2, 3),
      fmt(r.native2OverWasm2),
      fmt(r.wasm2OverNumpy2, 3),
    ]),
    gemm.map((r) => timedRows.get(r) ?? []),
  );
  console.log('\nmemory-bound kernels, GFLOP/s (1 thread unless marked)');
  table(
    ['kernel', 'n', 'js', 'wasm 1T', 'wasm 2T', 'native 1T', 'native 2T', 'numpy 1T', 'native/numpy', 'wasm/numpy'],
    mem.map((r) => [
      String(r.kind),
      String(r.n),
      fmt(r.js as number),
      fmt(r.wasm1 as number),
      fmt(r.wasm2 as number | null),
      fmt(r.native1 as number | null),
      fmt(r.native2 as number | null),
      fmt(r.numpy1 as number | null),
      fmt(r.native1OverNumpy1 as number | null, 3),
      fmt(r.wasm1OverNumpy1 as number | null, 3),
    ]),
    mem.map((r) => timedRows.get(r) ?? []),
  );
  writeResults('kernels', { gemm, memoryBound: mem, sink });
}
