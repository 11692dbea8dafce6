// Hessian bench: one exact HVP (forward-over-reverse) against one gradient and against the two gradients of a finite difference.
import { freeF64, backendInfo } from '../src/linalg/backend';
import { copyF64, Tensor, tensor } from '../src/linalg/tensor';
import { hvp, vjp } from '../src/autodiff';
import { forwardPass } from '../src/models';
import { setup, Setup } from '../src/experiments';
import { best, fill, fmt, table, withBackend, writeResults } from './harness';

export const name = 'hessian';

const NET = { width: 1024, depth: 2, batch: 250, inputDim: 784, outputs: 10 };

function gradient(s: Setup, params: Tensor[]): void {
  const { tape, loss } = forwardPass(s.model, params, s.data);
  vjp(loss, Float64Array.of(1)).forEach(freeF64);
  tape.dispose();
}

function hessianVector(s: Setup, params: Tensor[], v: Float64Array[]): void {
  const { tape, loss } = forwardPass(s.model, params, s.data);
  const { grad, hv } = hvp(loss, v);
  grad.forEach(freeF64);
  hv.forEach(freeF64);
  tape.dispose();
}

/** Seconds per gradient and per HVP on the active backend, with parameters in kernel memory as `train` keeps them. */
function timings(s: Setup): { grad: number; hvp: number } {
  const params = s.init.map((p) => tensor(p.shape, copyF64(p.data)));
  const v = s.init.map((p, i) => copyF64(fill(new Float64Array(p.data.length), 7 + i)));
  gradient(s, params);
  hessianVector(s, params, v); // warm-up
  const r = { grad: best(() => gradient(s, params), 4, 3), hvp: best(() => hessianVector(s, params, v), 6, 3) };
  params.forEach((p) => freeF64(p.data));
  v.forEach(freeF64);
  return r;
}

export async function run(): Promise<void> {
  const s = setup({
    model: 'mlp',
    width: NET.width,
    depth: NET.depth,
    act: 'relu',
    param: 'standard',
    sigmaW: Math.SQRT2,
    sigmaB: 0,
    outputs: NET.outputs,
    seed: 0,
    dataset: 'synthetic',
    trainSize: NET.batch,
    testSize: 0,
    inputDim: NET.inputDim,
    samples: 1,
    dataSeed: 0,
    loss: 'ce',
  });
  const info = backendInfo();
  const wasm = timings(s);
  const js = withBackend('js', 1, () => timings(s));
  console.log(
    `\nHVP vs gradient: ${NET.depth} hidden ReLU layers of width ${NET.width}, softmax cross-entropy, batch ${NET.batch}×${NET.inputDim}, ` +
      `${NET.outputs} classes; ${info.flavor} on ${info.threads} threads and js on 1 (no numpy column: numpy has no autodiff to compare with)`,
  );
  table(
    ['', 'gradient s', 'HVP s', 'HVP/gradient', 'HVP/(2 gradients, finite difference)'],
    [
      [info.name, fmt(wasm.grad, 3), fmt(wasm.hvp, 3), fmt(wasm.hvp / wasm.grad), fmt(wasm.hvp / (2 * wasm.grad))],
      ['js', fmt(js.grad, 3), fmt(js.hvp, 3), fmt(js.hvp / js.grad), fmt(js.hvp / (2 * js.grad))],
    ],
  );
  writeResults('hessian', { ...NET, backend: info, wasm, js, hvpOverGradient: wasm.hvp / wasm.grad, wasmOverJsHvp: wasm.hvp / js.hvp });
}
