// Picks the kernel backend (OpenBLAS through the native addon, wasm SIMD on T threads, or plain JS) and where new float64 buffers live.
import * as os from 'os';
import { ensureKernels, jsKernels, onFirstKernelUse, setBackend } from './kernels';
import { loadNativeAddon, nativeAvailable, nativeKernels, nativeUnavailable, OpenBlasInfo, openblasInfo } from './native/kernels';
import { noticeOnce } from './native/locate';
import { BufferPool } from './native/pool';
import { WASM_MAX_THREADS, WasmRuntime } from './wasm/runtime';
import { wasmKernels } from './wasm/kernels';

/**
 * `native`: the system OpenBLAS through the N-API addon (built by a checkout's `npm install`, or by an installed
 * package at its first kernel call, into ~/.cache/catapult, when gcc and libopenblas-dev are there);
 * `wasm`: relaxed-SIMD FMA where Node supports it, else plain SIMD; `wasm-simd`: plain SIMD, bitwise equal to `js`.
 */
export type BackendName = 'native' | 'wasm' | 'wasm-simd' | 'js';
export const BACKENDS: readonly BackendName[] = ['native', 'wasm', 'wasm-simd', 'js'];

export interface BackendInfo {
  name: BackendName;
  /**
   * What actually runs: 'fma', 'simd' or 'js', or `openblas-<version>-<core>` on native (the bits depend on
   * both, so a sweep resumed or a golden rerun on another OpenBLAS is told apart like FMA from SIMD).
   */
  flavor: 'fma' | 'simd' | 'js' | `openblas-${string}`;
  threads: number;
  /** On native: the OpenBLAS version, kernel set and configuration string. */
  openblas?: OpenBlasInfo;
  /**
   * Why this is not the native backend, where native was the choice to make (the default, or CATAPULT_BACKEND=native
   * that fell back): e.g. "no OpenBLAS headers (cblas.h; apt-get install libopenblas-dev)". Absent otherwise.
   */
  nativeUnavailable?: string;
}

let runtime: WasmRuntime | null = null;
let info: BackendInfo = { name: 'js', flavor: 'js', threads: 1 };
/** The native backend's buffers (JS memory, reused by exact length once freed). */
const pool = new BufferPool();

/** Kernel threads when nothing says otherwise: both cores of the target machines, never more than the host has. */
export function defaultThreads(): number {
  return Math.min(2, os.availableParallelism());
}

/**
 * The most kernel threads `name` takes: one per core (at least the default 2; more only slow the kernels down, and
 * each is a worker with its own memory), and on wasm no more than its control block has slots for.
 *
 * @example
 * maxThreads('wasm'); // 2 on a two-core machine
 */
export function maxThreads(name: BackendName): number {
  const cores = Math.max(2, os.availableParallelism());
  return name === 'wasm' || name === 'wasm-simd' ? Math.min(cores, WASM_MAX_THREADS) : cores;
}

/**
 * A thread count as typed (`--threads`, CATAPULT_THREADS): a decimal integer in [1, maxThreads(name)].
 *
 * @example
 * parseThreads('2', 'wasm', '--threads'); // 2
 * parseThreads('256', 'wasm', '--threads'); // Error: --threads must be an integer in [1, 2] (this machine has 2 cores …), got '256'
 */
export function parseThreads(text: string, name: BackendName, what: string): number {
  const n = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  const max = maxThreads(name);
  if (!(n >= 1 && n <= max))
    throw new Error(
      `${what} must be an integer in [1, ${max}] (this machine has ${os.availableParallelism()} cores; more threads only slow the kernels down), got '${text}'`,
    );
  return n;
}

/**
 * Switches every kernel call (and every new tensor buffer) to `name` with `threads` threads.
 * A wasm runtime is built once per flavor and kept; buffers already allocated stay valid.
 *
 * @example
 * useBackend('wasm', 2); // SIMD kernels on two threads
 */
export function useBackend(name: BackendName, threads = defaultThreads()): BackendInfo {
  if (!BACKENDS.includes(name)) throw new Error(`unknown backend '${name}' (choose ${BACKENDS.join(', ')})`);
  if (!Number.isInteger(threads) || threads < 1 || threads > maxThreads(name))
    throw new Error(`threads must be an integer in [1, ${maxThreads(name)}] (one per core at most), got ${threads}`);
  if (name === 'js') {
    setBackend(jsKernels);
    runtime = null;
    info = { name, flavor: 'js', threads: 1 };
    return info;
  }
  if (name === 'native') {
    const addon = loadNativeAddon();
    addon.setThreads(threads);
    setBackend(nativeKernels(addon));
    runtime = null;
    const openblas = openblasInfo(addon);
    info = { name, flavor: `openblas-${openblas.version}-${openblas.core}`, threads, openblas };
    return info;
  }
  const flavor = name === 'wasm-simd' ? 'simd' : 'auto';
  const rt = wasmRuntime(flavor, threads);
  rt.setThreads(threads);
  setBackend(wasmKernels(rt));
  runtime = rt;
  info = { name, flavor: rt.flavor, threads };
  return info;
}

/**
 * Switches every kernel call (and every new tensor buffer) to a wasm runtime built elsewhere: a page's, from its
 * embedded kernels on single-threaded memory (no helper threads, no files). It counts as the `wasm` backend.
 *
 * @example
 * useWasmRuntime(new WasmRuntime('auto', 1, pageSource)); // the explorer, before its first run
 */
export function useWasmRuntime(rt: WasmRuntime): BackendInfo {
  setBackend(wasmKernels(rt));
  runtime = rt;
  runtimes.set(rt.flavor === 'fma' ? 'auto' : 'simd', rt);
  info = { name: 'wasm', flavor: rt.flavor, threads: rt.threads };
  return info;
}

/**
 * Runs `f` on a backend and thread count, then restores the backend that was active before (tests and benches compare them).
 *
 * @example
 * const one = withBackend('native', 1, () => train(model, init, data, { lr })); // then back to what ran before
 */
export function withBackend<T>(name: BackendName, threads: number, f: () => T): T {
  const before = backendInfo();
  useBackend(name, threads);
  try {
    return f();
  } finally {
    useBackend(before.name, before.threads);
  }
}

const runtimes = new Map<string, WasmRuntime>();
function wasmRuntime(flavor: 'simd' | 'auto', threads: number): WasmRuntime {
  let rt = runtimes.get(flavor);
  if (rt === undefined) {
    rt = new WasmRuntime(flavor, maxThreads('wasm'));
    runtimes.set(flavor, rt);
  }
  return rt;
}

/** What runs now (the default backend is set up first if nothing was chosen yet). */
export function backendInfo(): BackendInfo {
  ensureKernels();
  return { ...info };
}

/** The backend used when neither CATAPULT_BACKEND nor --backend names one: native where the addon is built, else wasm. */
export function defaultBackend(): BackendName {
  return nativeAvailable() ? 'native' : 'wasm';
}

/** The active wasm runtime, or null on the js backend (bench and tests reach the heap through it). */
export function activeRuntime(): WasmRuntime | null {
  ensureKernels();
  return runtime;
}

/**
 * A float64 buffer of n elements (zeroed unless `zero` is false: for outputs written in full) where the active kernels read it without a copy: the wasm
 * heap on the wasm backend (JS memory if that is full), JS memory on the native backend (reusing freed buffers) and on js.
 */
export function allocF64(n: number, zero = true): Float64Array {
  ensureKernels();
  return runtime?.heap.alloc(n, zero) ?? (info.name === 'native' ? pool.alloc(n, zero) : new Float64Array(n));
}

/** Hands a buffer from `allocF64` back for reuse; it must not be read or written afterwards. */
export function freeF64(a: Float64Array): void {
  runtime?.heap.freeView(a);
  for (const rt of runtimes.values()) if (rt !== runtime) rt.heap.freeView(a);
  pool.freeView(a);
}

/**
 * Hands a buffer from `allocF64` over to the caller for good, in JS memory: on native and js the same array (the
 * pool stops counting and reusing it; no copy, so a width-16000 run does not hold its parameters twice at the end),
 * on wasm a copy, and the heap block is freed.
 */
export function releaseF64(a: Float64Array): Float64Array {
  if (runtime === null) {
    pool.disown(a); // js and native buffers are JS memory already
    return a;
  }
  const kept = a.slice();
  freeF64(a);
  return kept;
}

/** Bytes in the buffers `allocF64` handed out and not yet freed, and their peak since `resetPeak`. */
export interface KernelMemory {
  readonly live: number;
  readonly peak: number;
  resetPeak(): void;
}

/** The active backend's buffer accounting (the wasm heap, or the native pool); null on js, which does not count. */
export function kernelMemory(): KernelMemory | null {
  ensureKernels();
  return runtime?.heap ?? (info.name === 'native' ? pool : null);
}

/**
 * Records, where the default backend is not native, why (in `backendInfo().nativeUnavailable`), and says so in one line
 * on stderr the first time this machine sees that reason (later runs are silent; the reason stays in backendInfo).
 *
 * @example
 * useBackend(defaultBackend()); noteDefaultBackend(); // "catapult: running on wasm (fma, 2 threads); …" once
 */
export function noteDefaultBackend(): BackendInfo {
  if (info.name === 'native') return backendInfo();
  const why = nativeUnavailable();
  if (why === null) return backendInfo();
  info = { ...info, nativeUnavailable: why };
  const threads = `${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  noticeOnce(why, `catapult: running on ${info.name} (${info.flavor}, ${threads}); the native OpenBLAS backend is absent: ${why}`);
  return backendInfo();
}

/**
 * Chooses the backend from CATAPULT_BACKEND / CATAPULT_THREADS (default: native if built, or buildable now, else wasm,
 * on two threads), falling back with a warning (native to wasm, wasm to js); a default other than native is noted once
 * (noteDefaultBackend). The CLI calls it at start; a library user may call it, or `useBackend`, or get it at the first
 * kernel call. Importing the engine does no work.
 *
 * @example
 * initBackend(); // what `catapult` does before any command
 */
export function initBackend(): BackendInfo {
  const env = process.env.CATAPULT_BACKEND;
  const byDefault = env === undefined || env === '';
  const name = (byDefault ? defaultBackend() : env) as BackendName;
  const t = process.env.CATAPULT_THREADS;
  const threads = t === undefined || t === '' ? defaultThreads() : Number(t);
  try {
    useBackend(name, threads);
  } catch (e) {
    const fallback = name === 'native' ? 'wasm' : 'js';
    process.stderr.write(`catapult: warning: backend ${name} unavailable (${e instanceof Error ? e.message : e}); using ${fallback}\n`);
    try {
      useBackend(fallback, threads);
    } catch {
      useBackend('js');
    }
    if (name === 'native') info = { ...info, nativeUnavailable: e instanceof Error ? e.message : String(e) };
  }
  return byDefault ? noteDefaultBackend() : backendInfo();
}
onFirstKernelUse(initBackend);
