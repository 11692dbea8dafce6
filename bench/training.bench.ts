// End-to-end bench: an MLP GD step (native, wasm, numpy, PyTorch), an MLP step with one NTK matvec, and warmup-model GD at n = 16000.
import { freeF64, backendInfo, kernelMemory, useBackend } from '../src/linalg/backend';
import { copyF64, Tensor, tensor } from '../src/linalg/tensor';
import { ntkMatvec, vjp } from '../src/autodiff';
import { stagingCounts } from '../src/linalg/wasm/kernels';
import { forwardPass, lambdaAt, train } from '../src/models';
import { setup, Setup } from '../src/experiments';
import { nativeAvailable } from '../src/linalg/native/kernels';
import { ofPeak } from './machine';
import { best, fmt, gdStep, measuring, numpy, once, pick, reluMlpSetup, table, torch, withBackend, writeResults } from './harness';

export const name = 'training';

const MLP = { width: 2048, depth: 3, batch: 512, inputDim: 784, outputs: 1 };
/** The GD step: 3 hidden ReLU layers of 1024 on a 256×784 batch, 10 outputs, MSE. */
const GD = { width: 1024, depth: 3, batch: 256, inputDim: 784, outputs: 10, lr: 1e-3 };
const WARMUP_N = 16000;
const WARMUP_STEPS = 500;

/** The warmup model at n = 16000 on its one input x = 1 (seed 0). */
function warmupSetup(): Setup {
  return setup({
    model: 'warmup',
    width: WARMUP_N,
    act: 'relu',
    param: 'ntk',
    sigmaW: 1,
    sigmaB: 0,
    seed: 0,
    samples: 1,
    inputDim: 1,
    dataSeed: 0,
  });
}

/** Parameters copied into kernel memory, as `train` holds them. */
function kernelParams(s: Setup): Tensor[] {
  return s.init.map((p) => tensor(p.shape, copyF64(p.data)));
}

/** One step: forward, the loss gradient (VJP), and one NTK matvec Θw (a VJP and a JVP) — the bench's unit of work. */
function mlpStep(s: Setup, params: Tensor[], w: Float64Array, out: Float64Array): void {
  const { tape, f, loss } = forwardPass(s.model, params, s.data);
  vjp(loss, Float64Array.of(1)).forEach(freeF64);
  ntkMatvec(f)(w, out);
  tape.dispose();
}

function mlpBench(np: ReturnType<typeof numpy>): Record<string, unknown> {
  const s = reluMlpSetup(MLP);
  const w = new Float64Array(MLP.batch * MLP.outputs).fill(1),
    out = new Float64Array(w.length);
  const paramBytes = s.init.reduce((a, p) => a + p.data.length * 8, 0);
  const params = kernelParams(s);
  mlpStep(s, params, w, out); // warm-up: JIT, heap free lists, worker start
  const heap = kernelMemory();
  heap?.resetPeak();
  const live0 = heap?.live ?? 0;
  const seconds = best(() => mlpStep(s, params, w, out), 10, 3);
  const peakExtra = (heap?.peak ?? 0) - live0;
  // The data set stays in JS memory, so its gemms copy X in: count those bytes over one step.
  const staged0 = stagingCounts.bytes;
  mlpStep(s, params, w, out);
  const stagedPerStep = stagingCounts.bytes - staged0;
  params.forEach((p) => freeF64(p.data));
  const before = backendInfo();
  useBackend('js');
  const js = once(() =>
    mlpStep(
      s,
      s.init.map((p) => tensor(p.shape, p.data)),
      w,
      out,
    ),
  );
  useBackend(before.name, before.threads);
  const n2 = pick(np, { kind: 'mlp_step', width: MLP.width })?.seconds ?? null;
  return {
    ...MLP,
    backend: before.name,
    seconds,
    jsSeconds: js,
    numpy2Seconds: n2,
    overNumpyTime: n2 ? seconds / n2 : null,
    paramBytes,
    stepPeakBytesBeyondParams: peakExtra,
    stepPeakOverParams: peakExtra / paramBytes,
    stagedBytesPerStep: stagedPerStep,
  };
}

function warmupBench(s: Setup, np: ReturnType<typeof numpy>, pt: ReturnType<typeof numpy>, lr: number): Record<string, unknown> {
  const run = () =>
    train(s.model, s.init, s.data, { lr, steps: WARMUP_STEPS, eigEvery: 0, convergeFraction: 1e-300, measureLambda: false });
  run();
  const perStep = once(run, 5) / WARMUP_STEPS;
  const n = pick(np, { kind: 'warmup_gd', n: WARMUP_N })?.seconds ?? null,
    t = pick(pt, { kind: 'warmup_gd', n: WARMUP_N })?.seconds ?? null;
  return {
    n: WARMUP_N,
    steps: WARMUP_STEPS,
    lr,
    secondsPerStep: perStep,
    stepsPerSecond: 1 / perStep,
    numpyStepsPerSecond: n ? 1 / n : null,
    speedOverNumpy: n ? n / perStep : null,
    torchStepsPerSecond: t ? 1 / t : null,
    speedOverTorch: t ? t / perStep : null,
  };
}

/**
 * The GD step's gemm flops: per layer of fan-in i and fan-out o on a batch of b, the forward product and the weight
 * gradient (2·b·i·o each), and the input gradient except at the first layer (nothing upstream of the data).
 * Elementwise work (ReLU, loss, update) is left out: it is a few passes over the activations, < 1 % of these.
 */
export function gdGemmFlops(d: { width: number; depth: number; batch: number; inputDim: number; outputs: number }): number {
  const sizes = [d.inputDim, ...Array<number>(d.depth).fill(d.width), d.outputs];
  return sizes.slice(1).reduce((sum, o, l) => sum + 2 * d.batch * sizes[l] * o * (l === 0 ? 2 : 3), 0);
}

/** Seconds per GD step (`train`'s step: forward, gradient, update) on each backend and thread count, against numpy's and PyTorch's. */
function gdBench(): Record<string, unknown> {
  const s = reluMlpSetup(GD);
  const time = (name: 'native' | 'wasm', threads: number) =>
    withBackend(name, threads, () => {
      const params = kernelParams(s);
      gdStep(s, params, GD.lr); // warm-up: JIT, heap free lists, threads
      const t = best(() => gdStep(s, params, GD.lr), 5, 3);
      params.forEach((p) => freeF64(p.data));
      return t;
    });
  const native = nativeAvailable() ? [time('native', 1), time('native', 2)] : [null, null];
  const wasm = [time('wasm', 1), time('wasm', 2)];
  const ref = (run: typeof numpy, label: string) =>
    [1, 2].map((t) => {
      const r = run([{ kind: 'mlp_gd', ...GD }], t, 3);
      if (r.error && t === 1) console.log(`  ${label} column skipped: ${r.error}`);
      return pick(r, { kind: 'mlp_gd' })?.seconds ?? null;
    });
  const np = ref(numpy, 'numpy'),
    pt = ref(torch, 'PyTorch');
  const over = (a: number | null, b: number | null) => (a !== null && b !== null ? a / b : null);
  const flops = gdGemmFlops(GD);
  const nativeGflops = native.map((x) => (x === null ? null : flops / x / 1e9));
  const peak = nativeGflops.map((g, i) => ofPeak(g, i + 1));
  return {
    ...GD,
    gemmFlopsPerStep: flops,
    nativeGflops,
    nativeOfNominalPeak: peak.map((p) => p.ofNominal),
    nativeOfDgemmPeak: peak.map((p) => p.ofDgemm),
    nativeSeconds: native,
    wasmSeconds: wasm,
    numpySeconds: np,
    torchSeconds: pt,
    nativeOverNumpyTime: native.map((x, i) => over(x, np[i])),
    nativeOverTorchTime: native.map((x, i) => over(x, pt[i])),
    wasmOverNumpyTime: wasm.map((x, i) => over(x, np[i])),
  };
}

/** Runs all three, prints the tables and writes bench/results/training.json. */
export async function run(): Promise<void> {
  const s = warmupSetup();
  const lr = 1 / lambdaAt(s.model, s.init, s.data); // η·λ0 = 1: lazy, so every timed step is finite
  // Each table row gets the measurements it was made of (references included), for its load columns and `loaded`.
  const { value: np, timed: npTimed } = measuring(() => numpy([{ kind: 'mlp_step', ...MLP }], 2, 10));
  const { value: refs, timed: warmRefsTimed } = measuring(() => ({
    npw: numpy([{ kind: 'warmup_gd', n: WARMUP_N, steps: WARMUP_STEPS, lr }], 1),
    ptw: torch([{ kind: 'warmup_gd', n: WARMUP_N, steps: WARMUP_STEPS, lr }], 1),
  }));
  if (np.error) console.log(`  numpy columns skipped: ${np.error}`);
  const { value: gd, timed: gdTimed } = measuring(() => gdBench() as Record<string, Array<number | null>>);
  const { value: mlp, timed: mlpTimed } = measuring(() => mlpBench(np));
  const { value: warm, timed: warmTimed } = measuring(() => warmupBench(s, refs.npw, refs.ptw, lr));
  const timed = { gd: gdTimed, mlp: [...npTimed, ...mlpTimed], warmup: [...warmRefsTimed, ...warmTimed] };
  const info = backendInfo();
  console.log(
    `\nMLP GD step (${GD.depth}×${GD.width} ReLU, batch ${GD.batch}×${GD.inputDim}, ${GD.outputs} outputs, MSE: forward, gradient, update), ms on 1 / 2 threads`,
  );
  const pair = (x: Array<number | null>, scale = 1e3, d = 1) =>
    `${fmt(x[0] === null ? null : x[0] * scale, d)} / ${fmt(x[1] === null ? null : x[1] * scale, d)}`;
  table(
    ['', 'native', 'wasm', 'numpy', 'PyTorch', 'native/numpy time', 'native/PyTorch time'],
    [
      [
        'GD step',
        pair(gd.nativeSeconds),
        pair(gd.wasmSeconds),
        pair(gd.numpySeconds),
        pair(gd.torchSeconds),
        pair(gd.nativeOverNumpyTime, 1, 2),
        pair(gd.nativeOverTorchTime, 1, 2),
      ],
    ],
    [timed.gd],
  );
  console.log(
    `  native: ${pair(gd.nativeGflops, 1)} GFLOP/s of gemm, ${pair(gd.nativeOfNominalPeak, 100, 0)} % of the nominal peak, ${pair(gd.nativeOfDgemmPeak, 100, 0)} % of the large-dgemm rate (peak bench), on 1 / 2 threads`,
  );
  console.log(
    `\nMLP step (width ${MLP.width}, ${MLP.depth} hidden ReLU layers, batch ${MLP.batch}×${MLP.inputDim}): forward + gradient + one NTK matvec; ${info.flavor} on ${info.threads} threads, numpy on 2`,
  );
  table(
    ['', `${info.name} s`, 'js s', 'numpy s', `${info.name}/numpy time`, 'peak/param bytes'],
    [
      [
        'mlp step',
        fmt(mlp.seconds as number, 3),
        fmt(mlp.jsSeconds as number, 2),
        fmt(mlp.numpy2Seconds as number | null, 3),
        fmt(mlp.overNumpyTime as number | null),
        fmt(mlp.stepPeakOverParams as number),
      ],
    ],
    [timed.mlp],
  );
  console.log(
    `\nwarmup-model GD at n = ${WARMUP_N} (train(), ${WARMUP_STEPS} steps, no λ; ${info.flavor}): catapult's tape against numpy's hand-derived loop and PyTorch autograd`,
  );
  table(
    ['', 'steps/s', 'numpy steps/s', 'PyTorch steps/s', 'vs numpy', 'vs PyTorch'],
    [
      [
        'warmup GD',
        fmt(warm.stepsPerSecond as number, 0),
        fmt(warm.numpyStepsPerSecond as number | null, 0),
        fmt(warm.torchStepsPerSecond as number | null, 0),
        fmt(warm.speedOverNumpy as number | null, 3),
        fmt(warm.speedOverTorch as number | null, 3),
      ],
    ],
    [timed.warmup],
  );
  const loaded = (ms: typeof timed.gd) => ({ loaded: ms.some((m) => m.loaded) });
  writeResults('training', {
    gd: { ...gd, ...loaded(timed.gd) },
    mlp: { ...mlp, ...loaded(timed.mlp) },
    warmup: { ...warm, ...loaded(timed.warmup) },
    numpy: { version: np.numpy, blas: np.blas },
  });
}
