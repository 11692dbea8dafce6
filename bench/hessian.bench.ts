// Hessian bench: one exact HVP (forward-over-reverse) against one gradient and against the two gradients of a finite difference.
import { freeF64, backendInfo } from '../src/linalg/backend';
import { copyF64, Tensor, tensor } from '../src/linalg/tensor';
import { hvp, vjp } from '../src/autodiff';
import { forwardPass } from '../src/models';
import { setup, Setup } from '../src/experiments';
import { best, fill, fmt, table, withBackend, writeResults } from './harness';

export const name = 'hessian';

/** The nets: the first as before; the second is curvlinops' fc-tanh [200, 200] on 1,000 MNIST-shaped synthetic samples. */
const NETS = [
  { label: 'relu 2×1024', act: 'relu', width: 1024, depth: 2, batch: 250, inputDim: 784, outputs: 10 },
  { label: 'fc-tanh [200, 200]', act: 'tanh', width: 200, depth: 2, batch: 1000, inputDim: 784, outputs: 10 },
] as const;
type Net = (typeof NETS)[number];

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

/** The net's setup: standard parameterization, σ_b = 0, softmax cross-entropy, synthetic data of seed 0. */
function netSetup(net: Net): Setup {
  return setup({
    model: 'mlp',
    width: net.width,
    depth: net.depth,
    act: net.act,
    param: 'standard',
    sigmaW: net.act === 'relu' ? Math.SQRT2 : 1,
    sigmaB: 0,
    outputs: net.outputs,
    seed: 0,
    dataset: 'synthetic',
    trainSize: net.batch,
    testSize: 0,
    inputDim: net.inputDim,
    samples: 1,
    dataSeed: 0,
    loss: 'ce',
  });
}

export async function run(): Promise<void> {
  const info = backendInfo();
  const rows = NETS.map((net) => {
    const s = netSetup(net);
    const native = timings(s);
    const js = withBackend('js', 1, () => timings(s));
    return { ...net, native, js, hvpOverGradient: native.hvp / native.grad, nativeOverJsHvp: native.hvp / js.hvp };
  });
  console.log(
    `\nHVP vs gradient (each with its forward pass), softmax cross-entropy, ${NETS[0].outputs} classes, synthetic inputs of ${NETS[0].inputDim}; ` +
      `${info.flavor} on ${info.threads} threads and js on 1 (no numpy column: numpy has no autodiff to compare with)`,
  );
  table(
    ['net', 'batch', '', 'gradient s', 'HVP s', 'HVP/gradient', 'HVP/(2 gradients, finite difference)'],
    rows.flatMap((r) =>
      [
        [info.name, r.native],
        ['js', r.js],
      ].map(([name, t]) => {
        const { grad, hvp } = t as { grad: number; hvp: number };
        return [r.label, String(r.batch), name as string, fmt(grad, 3), fmt(hvp, 3), fmt(hvp / grad), fmt(hvp / (2 * grad))];
      }),
    ),
  );
  writeResults('hessian', { backend: info, rows });
}
