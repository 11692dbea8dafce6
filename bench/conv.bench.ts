// CNN bench: one SGD step of a CIFAR-shaped CNN (im2col + gemm convolutions) against PyTorch's float64 conv2d, same threads.
import { freeF64, backendInfo } from '../src/linalg/backend';
import { copyF64, tensor } from '../src/linalg/tensor';
import { parseArch } from '../src/models';
import { setup } from '../src/experiments';
import { nativeAvailable } from '../src/linalg/native/kernels';
import { best, fmt, gdStep, pick, table, torch, withBackend, writeResults } from './harness';

export const name = 'conv';

/** The paper's CNN (SM A) at 32 channels instead of 320, on a CIFAR-10-shaped batch: conv-bound, like the full one. */
const CNN = {
  arch: 'conv:32,relu,conv:32:valid,relu,maxpool:2,conv:32,relu,conv:32:valid,maxpool:2,flatten,dense:64,relu,dense:10',
  inputShape: [3, 32, 32],
  batch: 64,
  outputs: 10,
  lr: 1e-3,
};
/** The target: a step at most this many times PyTorch's. */
const TARGET = 2;

/** Seconds per SGD step (forward, gradient, update) on each backend and thread count, against PyTorch's at the same threads. */
export async function run(): Promise<void> {
  const s = setup({
    model: 'cnn',
    arch: CNN.arch,
    inputShape: CNN.inputShape,
    samples: CNN.batch,
    param: 'ntk',
    sigmaW: Math.SQRT2,
    sigmaB: 0.05,
    seed: 0,
    dataSeed: 0,
  });
  const time = (backend: 'native' | 'wasm', threads: number) =>
    withBackend(backend, threads, () => {
      const params = s.init.map((p) => tensor(p.shape, copyF64(p.data)));
      gdStep(s, params, CNN.lr); // warm-up: JIT, heap free lists, threads
      const t = best(() => gdStep(s, params, CNN.lr), 10, 3);
      params.forEach((p) => freeF64(p.data));
      return t;
    });
  const threads = [1, 2];
  const native = threads.map((t) => (nativeAvailable() ? time('native', t) : null));
  const wasm = threads.map((t) => time('wasm', t));
  const layers = parseArch(CNN.arch),
    paramShapes = s.model.specs.map((p) => p.shape);
  const pt = threads.map((t) => {
    const r = torch([{ kind: 'cnn_sgd', ...CNN, layers, paramShapes }], t, 3);
    if (r.error && t === 1) console.log(`  PyTorch column skipped: ${r.error}`);
    return pick(r, { kind: 'cnn_sgd' })?.seconds ?? null;
  });
  const over = (a: number | null, b: number | null) => (a !== null && b !== null ? a / b : null);
  console.log(`\nCNN SGD step (${CNN.arch} on ${CNN.batch}×${CNN.inputShape.join('×')}, MSE), ms; target native ≤ ${TARGET}× PyTorch`);
  table(
    ['threads', 'native', 'wasm', 'PyTorch', 'native/PyTorch time'],
    threads.map((t, i) => [
      String(t),
      fmt(native[i] && native[i]! * 1e3, 1),
      fmt(wasm[i] * 1e3, 1),
      fmt(pt[i] && pt[i]! * 1e3, 1),
      fmt(over(native[i], pt[i])),
    ]),
  );
  writeResults(name, {
    ...CNN,
    backend: backendInfo().name,
    threads,
    nativeSeconds: native,
    wasmSeconds: wasm,
    torchSeconds: pt,
    nativeOverTorchTime: native.map((x, i) => over(x, pt[i])),
    target: TARGET,
  });
}
