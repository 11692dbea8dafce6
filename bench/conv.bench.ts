// CNN bench: one SGD step of a CIFAR-shaped CNN and of a WRN-16-4 (convolve: per-image patches + gemm) against PyTorch's float64, same threads.
import { freeF64, backendInfo } from '../src/linalg/backend';
import { kernels } from '../src/linalg/kernels';
import { copyF64, tensor } from '../src/linalg/tensor';
import { parseArch, wrnLayers } from '../src/models';
import { setup, Setup } from '../src/experiments';
import { nativeAvailable } from '../src/linalg/native/kernels';
import { best, fmt, gdStep, once, pick, table, torch, withBackend, writeResults } from './harness';

export const name = 'conv';

/** The paper's CNN (SM A) at 32 channels instead of 320, on a CIFAR-10-shaped batch: conv-bound, like the full one. */
const CNN = {
  arch: 'conv:32,relu,conv:32:valid,relu,maxpool:2,conv:32,relu,conv:32:valid,maxpool:2,flatten,dense:64,relu,dense:10',
  inputShape: [3, 32, 32],
  batch: 64,
  outputs: 10,
  lr: 1e-3,
};
/** WRN-16-4 (2.7M parameters, batch norm, residual blocks) on a smaller CIFAR-shaped batch: a step is ~45 GFLOP. */
const WRN = { depth: 16, widen: 4, inputShape: [3, 32, 32], batch: 16, outputs: 10, lr: 1e-3 };
/** The target: a CNN step at most this many times PyTorch's. */
const TARGET = 0.5;
/** The dense gemm that measures the attainable float64 rate (the peak the step is a fraction of). */
const PEAK_N = 1024;

interface Net {
  label: string;
  s: Setup;
  torchCase: object;
  /** Benchmark.js's time budget per configuration, s (the WRN step takes about a second). */
  maxTime: number;
}

function nets(): Net[] {
  const common = { samples: 0, param: 'ntk' as const, sigmaW: Math.SQRT2, sigmaB: 0.05, seed: 0, dataSeed: 0 };
  const cnn = setup({ ...common, model: 'cnn', arch: CNN.arch, inputShape: CNN.inputShape, samples: CNN.batch });
  const wrn = setup({ ...common, model: 'wrn', depth: WRN.depth, widen: WRN.widen, inputShape: WRN.inputShape, samples: WRN.batch });
  const torchCase = (s: Setup, layers: object[], c: typeof CNN | typeof WRN) => ({
    kind: 'cnn_sgd',
    inputShape: c.inputShape,
    batch: c.batch,
    outputs: c.outputs,
    lr: c.lr,
    layers,
    paramShapes: s.model.specs.map((p) => p.shape),
  });
  return [
    {
      label: `CNN (${CNN.arch}) on ${CNN.batch}×${CNN.inputShape.join('×')}`,
      s: cnn,
      torchCase: torchCase(cnn, parseArch(CNN.arch), CNN),
      maxTime: 10,
    },
    {
      label: `WRN-${WRN.depth}-${WRN.widen} on ${WRN.batch}×${WRN.inputShape.join('×')}`,
      s: wrn,
      torchCase: torchCase(wrn, wrnLayers(WRN.depth, WRN.widen, WRN.outputs), WRN),
      maxTime: 6,
    },
  ];
}

/** The multiply-adds (×2) of one step's gemms, counted at the kernel boundary: the convolutions, dense layers and batch norm's products. */
function stepFlops(s: Setup, lr: number): number {
  const gemm = kernels.dgemm;
  let flops = 0;
  kernels.dgemm = (...a: Parameters<typeof gemm>) => {
    flops += 2 * a[2] * a[3] * a[4];
    return gemm(...a);
  };
  try {
    const params = s.init.map((p) => tensor(p.shape, copyF64(p.data)));
    gdStep(s, params, lr);
    params.forEach((p) => freeF64(p.data));
  } finally {
    kernels.dgemm = gemm;
  }
  return flops;
}

/** The rate of a PEAK_N³ dgemm, flop/s: the float64 rate this backend reaches on the threads, which the step is a fraction of. */
function gemmRate(): number {
  const n = PEAK_N,
    A = Float64Array.from({ length: n * n }, (_, i) => Math.sin(i)),
    C = new Float64Array(n * n);
  const run = () => kernels.dgemm(false, false, n, n, n, 1, A, n, 1, 0, A, n, 1, 0, 0, C, n, 1, 0);
  run();
  return (2 * n ** 3) / once(run, 3);
}

/** Seconds per SGD step (forward, gradient, update) on each backend and thread count, against PyTorch's at the same threads. */
export async function run(): Promise<void> {
  const threads = [1, 2];
  const results = nets().map((net) => {
    const time = (backend: 'native' | 'wasm', t: number) =>
      withBackend(backend, t, () => {
        const params = net.s.init.map((p) => tensor(p.shape, copyF64(p.data)));
        gdStep(net.s, params, CNN.lr); // warm-up: JIT, heap free lists, threads
        const seconds = best(() => gdStep(net.s, params, CNN.lr), net.maxTime, 3);
        params.forEach((p) => freeF64(p.data));
        return { seconds, peak: gemmRate() };
      });
    const flops = withBackend(nativeAvailable() ? 'native' : 'wasm', 1, () => stepFlops(net.s, CNN.lr));
    const native = threads.map((t) => (nativeAvailable() ? time('native', t) : null));
    const wasm = threads.map((t) => time('wasm', t));
    const pt = threads.map((t) => {
      const r = torch([net.torchCase], t, 3);
      if (r.error && t === 1) console.log(`  PyTorch column skipped: ${r.error}`);
      return pick(r, { kind: 'cnn_sgd', batch: (net.torchCase as { batch: number }).batch })?.seconds ?? null;
    });
    return { net, flops, native, wasm, pt };
  });
  const over = (a: number | null | undefined, b: number | null) => (a !== null && a !== undefined && b !== null ? a / b : null);
  for (const { net, flops, native, wasm, pt } of results) {
    console.log(`\n${net.label}, SGD step (MSE), ms; ${(flops / 1e9).toFixed(2)} GFLOP in gemms; target native ≤ ${TARGET}× PyTorch`);
    console.log(`  peak = the rate of a ${PEAK_N}³ dgemm on the same backend and threads, measured after the step`);
    table(
      ['threads', 'native', 'wasm', 'PyTorch', 'native/PyTorch time', 'native GFLOP/s', 'of peak', 'wasm of peak'],
      threads.map((t, i) => [
        String(t),
        fmt(native[i] && native[i]!.seconds * 1e3, 1),
        fmt(wasm[i].seconds * 1e3, 1),
        fmt(pt[i] && pt[i]! * 1e3, 1),
        fmt(over(native[i]?.seconds, pt[i])),
        fmt(native[i] && flops / native[i]!.seconds / 1e9, 1),
        fmt(native[i] && flops / native[i]!.seconds / native[i]!.peak),
        fmt(flops / wasm[i].seconds / wasm[i].peak),
      ]),
    );
  }
  const [cnn, wrn] = results;
  const column = (r: (typeof results)[number]) => ({
    flops: r.flops,
    nativeSeconds: r.native.map((x) => x?.seconds ?? null),
    nativePeakFlops: r.native.map((x) => x?.peak ?? null),
    wasmSeconds: r.wasm.map((x) => x.seconds),
    wasmPeakFlops: r.wasm.map((x) => x.peak),
    torchSeconds: r.pt,
    nativeOverTorchTime: r.native.map((x, i) => over(x?.seconds, r.pt[i])),
  });
  writeResults(name, {
    ...CNN,
    backend: backendInfo().name,
    threads,
    ...column(cnn),
    target: TARGET,
    wrn: { ...WRN, ...column(wrn) },
  });
}
