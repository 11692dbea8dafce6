// The WebAssembly runtime: compiles the SIMD kernels, owns the shared memory and its heap, and runs kernels on T threads.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import { Worker } from 'worker_threads';
import { Heap } from './heap';

/** The kernels a compiled module exports (pointers are byte addresses, strides in elements). */
export interface WasmExports {
  SCRATCH_BYTES: WebAssembly.Global;
  fused(): number;
  dgemm(
    M: number,
    N: number,
    K: number,
    alpha: number,
    A: number,
    saI: number,
    saK: number,
    B: number,
    sbK: number,
    sbJ: number,
    beta: number,
    C: number,
    s1: number,
    s2: number,
    scratch: number,
  ): void;
  ddot(N: number, x: number, sx: number, y: number, sy: number): number;
  daxpy(N: number, alpha: number, x: number, sx: number, y: number, sy: number): void;
  dscal(N: number, alpha: number, x: number, sx: number): void;
  dgemv(
    nOut: number,
    nRed: number,
    alpha: number,
    A: number,
    sOut: number,
    sRed: number,
    x: number,
    sx: number,
    beta: number,
    y: number,
    sy: number,
    t: number,
  ): void;
  vaxpby(N: number, x: number, beta: number, y: number, out: number): void;
  vmul(N: number, x: number, y: number, out: number): void;
  vscale(N: number, alpha: number, x: number, out: number): void;
  vrelu(N: number, x: number, out: number): void;
}

export type WasmFlavor = 'fma' | 'simd';

/** Largest wasm32 memory: 65536 pages of 64 KiB = 4 GiB, reserved (not committed) up front. */
const MAX_PAGES = 65536;
/** Bytes per thread slot in the control block (Int32 words 0..1, Float64 arguments from byte 16). */
export const SLOT_BYTES = 256;
const CONTROL_BYTES = 64 * 1024;
/** Threads the control block has slots for (the caller's slot is the first). */
export const WASM_MAX_THREADS = CONTROL_BYTES / SLOT_BYTES;

/** Where the compiled kernels live (built by scripts/build-wasm.js into dist/wasm). */
export function wasmPath(flavor: WasmFlavor): string {
  return path.join(__dirname, '..', '..', '..', 'wasm', `kernels-${flavor}.wasm`);
}

/**
 * Relaxed SIMD is behind a flag in Node 20 (V8 11.3). Turn it on before compiling; where the
 * flag is gone (it is on by default from V8 11.4) setting it is harmless.
 */
function compileFlavor(flavor: WasmFlavor): WebAssembly.Module | null {
  const file = wasmPath(flavor);
  if (!fs.existsSync(file)) throw new Error(`the wasm kernels are not built (${file} is missing); run \`npm run build\``);
  const bytes = fs.readFileSync(file);
  if (flavor === 'fma' && !WebAssembly.validate(bytes)) v8.setFlagsFromString('--experimental-wasm-relaxed-simd');
  if (!WebAssembly.validate(bytes)) return null;
  return new WebAssembly.Module(bytes);
}

/** Where a runtime gets its compiled kernels and the memory they run on (Node's files, or a page's embedded bytes). */
export interface WasmSource {
  /** The compiled kernels of one flavor, or null where this engine cannot compile that flavor. */
  compile(flavor: WasmFlavor): WebAssembly.Module | null;
  /** The memory the kernels import, and the most pages the heap may grow it to. */
  memory(): { memory: WebAssembly.Memory; maxPages: number };
}

/** Node's source: dist/wasm's files, on a shared memory that grows up to 4 GiB (helper threads share it). */
export const nodeWasmSource: WasmSource = {
  compile: compileFlavor,
  memory: () => ({ memory: new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true }), maxPages: MAX_PAGES }),
};

/** One thread's share of a kernel call: the control slot it polls and its packing scratch. */
interface ThreadSlot {
  ctl: Int32Array;
  args: Float64Array;
  worker: Worker;
}

/** A compiled module instantiated on one shared memory, with a heap and T − 1 helper threads. */
export class WasmRuntime {
  readonly memory: WebAssembly.Memory;
  readonly exports: WasmExports;
  readonly flavor: WasmFlavor;
  readonly heap: Heap;
  /** Byte address of each thread's scratch (index 0 is the calling thread). */
  readonly scratch: number[] = [];
  private readonly module: WebAssembly.Module;
  private slots: ThreadSlot[] = [];
  private threadCount = 1;
  private readonly scratchBytes: number;
  private readonly maxThreads: number;

  constructor(
    flavor: WasmFlavor | 'auto' = 'auto',
    maxThreads = Math.max(2, os.availableParallelism()),
    source: WasmSource = nodeWasmSource,
  ) {
    let module: WebAssembly.Module | null = null;
    let chosen: WasmFlavor = 'simd';
    if (flavor !== 'simd') {
      module = source.compile('fma');
      chosen = 'fma';
      if (module === null && flavor === 'fma')
        throw new Error('this Node cannot compile relaxed-SIMD WebAssembly (use --backend wasm-simd)');
    }
    if (module === null) {
      module = source.compile('simd');
      chosen = 'simd';
      if (module === null) throw new Error('this Node cannot compile WebAssembly SIMD (use --backend js)');
    }
    this.module = module;
    this.flavor = chosen;
    // A slot past the control block would overlap the first thread's scratch.
    if (maxThreads > WASM_MAX_THREADS) throw new Error(`threads: at most ${WASM_MAX_THREADS} on wasm, asked for ${maxThreads}`);
    this.maxThreads = maxThreads;
    const { memory, maxPages } = source.memory();
    this.memory = memory;
    this.exports = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports as unknown as WasmExports;
    this.scratchBytes = this.exports.SCRATCH_BYTES.value as number;
    // Fixed layout: control block, one scratch per possible thread, then the tensor heap.
    const heapBase = CONTROL_BYTES + maxThreads * align(this.scratchBytes);
    for (let t = 0; t < maxThreads; t++) this.scratch.push(CONTROL_BYTES + t * align(this.scratchBytes));
    this.heap = new Heap(this.memory, heapBase, maxPages);
  }

  /** How many threads share a kernel call (the caller plus helpers). */
  get threads(): number {
    return this.threadCount;
  }

  /** Sets the thread count, starting helper workers on first use (they never keep the process alive). */
  setThreads(n: number): void {
    if (!Number.isInteger(n) || n < 1) throw new Error(`threads must be a positive integer, got ${n}`);
    if (n > this.maxThreads) throw new Error(`threads ${n} exceeds the ${this.maxThreads} this runtime reserved scratch for`);
    while (this.slots.length < n - 1) this.slots.push(this.startWorker(this.slots.length + 1));
    this.threadCount = n;
  }

  private startWorker(t: number): ThreadSlot {
    const at = t * SLOT_BYTES;
    const ctl = new Int32Array(this.memory.buffer, at, 4);
    const args = new Float64Array(this.memory.buffer, at + 16, (SLOT_BYTES - 16) / 8);
    const worker = new Worker(path.join(__dirname, 'worker.js'), {
      workerData: { module: this.module, memory: this.memory, slot: at, scratch: this.scratch[t] },
    });
    worker.unref();
    return { ctl, args, worker };
  }

  /**
   * Runs `job(t)` for t = 0..T−1: t ≥ 1 on helper threads (their arguments written by `post`),
   * t = 0 on the caller, then waits for all. Helpers run `dgemm` with the arguments of their slot.
   */
  parallel(parts: number, post: (t: number, args: Float64Array) => void, self: () => void): void {
    const used = this.slots.slice(0, parts - 1);
    used.forEach((s, i) => {
      post(i + 1, s.args);
      Atomics.add(s.ctl, 0, 1);
      Atomics.notify(s.ctl, 0);
    });
    self();
    for (const s of used) {
      const want = Atomics.load(s.ctl, 0);
      let done = Atomics.load(s.ctl, 1);
      while (done !== want) {
        Atomics.wait(s.ctl, 1, done, 50);
        done = Atomics.load(s.ctl, 1);
      }
      if (Atomics.load(s.ctl, 2) !== 0) throw new Error('a wasm kernel thread failed');
    }
  }
}

function align(bytes: number): number {
  return Math.ceil(bytes / 65536) * 65536;
}
