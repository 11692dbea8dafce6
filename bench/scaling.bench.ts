// Scaling bench: time and memory of a GD step and of one λ (Lanczos) against width, and a 16-run sweep on 1 and 2 workers.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freeF64, kernelMemory } from '../src/linalg/backend';
import { copyF64, tensor } from '../src/linalg/tensor';
import { DIVERGENCE_LOSS, forwardPass, ntkTop } from '../src/models';
import { powerLawFit, runSweep, setup } from '../src/experiments';
import { best, fmt, gdStep, once, table, writeResults } from './harness';

export const name = 'scaling';

const WIDTHS = [1000, 2000, 4000, 8000, 16000];
const SAMPLES = 64;
const INPUT_DIM = 128;

interface Point {
  model: string;
  n: number;
  stepSeconds: number;
  lambdaSeconds: number;
  lanczosIterations: number;
  paramBytes: number;
  stepPeakBytes: number;
  lambdaPeakBytes: number;
}

function measure(model: 'linear' | 'mlp', n: number): Point {
  const s = setup({
    model,
    width: n,
    depth: 1,
    act: 'relu',
    param: 'ntk',
    sigmaW: Math.SQRT2,
    sigmaB: 0,
    outputs: 1,
    seed: 0,
    samples: SAMPLES,
    inputDim: INPUT_DIM,
    dataSeed: 0,
  });
  const params = s.init.map((p) => tensor(p.shape, copyF64(p.data)));
  const paramBytes = s.init.reduce((a, p) => a + p.data.length * 8, 0);
  const heap = kernelMemory();
  const step = () => gdStep(s, params, 1e-3);
  let iterations = 0;
  const lambda = () => {
    const { tape, f } = forwardPass(s.model, params, s.data);
    iterations = ntkTop(f).iterations;
    tape.dispose();
  };
  step();
  heap?.resetPeak();
  const live = heap?.live ?? 0;
  const stepSeconds = best(step, 1.5, 3);
  const stepPeakBytes = (heap?.peak ?? 0) - live;
  heap?.resetPeak();
  const lambdaSeconds = once(lambda, 2);
  const lambdaPeakBytes = (heap?.peak ?? 0) - live;
  params.forEach((p) => freeF64(p.data));
  return { model, n, stepSeconds, lambdaSeconds, lanczosIterations: iterations, paramBytes, stepPeakBytes, lambdaPeakBytes };
}

async function sweepBench(): Promise<Record<string, unknown>> {
  const config = {
    setup: {
      model: 'linear' as const,
      act: 'relu' as const,
      param: 'ntk' as const,
      sigmaW: Math.SQRT2,
      sigmaB: 0,
      samples: 16,
      inputDim: 8,
      dataSeed: 0,
    },
    grid: { widths: [8000], seeds: [0], lrs: Array.from({ length: 16 }, (_, i) => `${(0.25 * (i + 1)).toFixed(2)}x`) },
    train: { steps: 1000, momentum: 0, l2: 0, maxLoss: DIVERGENCE_LOSS, convergeFraction: 1e-8, time: 25 },
  };
  const seconds: Record<number, number> = {};
  const bytes: Record<number, string> = {};
  for (const workers of [1, 2]) {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-sweep-bench-'));
    try {
      const r = await runSweep({ config, out, workers });
      seconds[workers] = r.seconds;
      bytes[workers] = fs.readFileSync(r.file, 'utf8');
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }
  return {
    runs: 16,
    oneWorkerSeconds: seconds[1],
    twoWorkerSeconds: seconds[2],
    speedup: seconds[1] / seconds[2],
    identicalResults: bytes[1] === bytes[2],
  };
}

/** Runs the width scan and the sweep, prints the tables and writes bench/results/scaling.json. */
export async function run(): Promise<void> {
  const points: Point[] = [];
  for (const model of ['linear', 'mlp'] as const) {
    for (const n of WIDTHS) {
      points.push(measure(model, n));
      console.log(
        `  ${model} n = ${n}: step ${fmt(points[points.length - 1].stepSeconds * 1e3, 1)} ms, λ ${fmt(points[points.length - 1].lambdaSeconds, 2)} s`,
      );
    }
  }
  const fits = (['linear', 'mlp'] as const).map((model) => {
    const p = points.filter((q) => q.model === model);
    const step = powerLawFit(
      p.map((q) => q.n),
      p.map((q) => q.stepSeconds),
    );
    const lam = powerLawFit(
      p.map((q) => q.n),
      p.map((q) => q.lambdaSeconds),
    );
    return { model, stepExponent: step.slope, stepR2: step.r2, lambdaExponent: lam.slope, lambdaR2: lam.r2 };
  });
  const sweep = await sweepBench();
  console.log(`\nwidth scaling (m = ${SAMPLES} samples, d = ${INPUT_DIM}; memory = peak heap bytes beyond the parameters)`);
  table(
    ['model', 'n', 'step ms', 'λ s', 'Lanczos its', 'param MB', 'step peak / params', 'λ peak / params'],
    points.map((p) => [
      p.model,
      String(p.n),
      fmt(p.stepSeconds * 1e3, 1),
      fmt(p.lambdaSeconds, 2),
      String(p.lanczosIterations),
      fmt(p.paramBytes / 2 ** 20, 1),
      fmt(p.stepPeakBytes / p.paramBytes),
      fmt(p.lambdaPeakBytes / p.paramBytes),
    ]),
  );
  for (const f of fits)
    console.log(
      `${f.model}: step time ∝ n^${fmt(f.stepExponent)} (R² ${fmt(f.stepR2, 3)}), λ time ∝ n^${fmt(f.lambdaExponent)} (R² ${fmt(f.lambdaR2, 3)})`,
    );
  console.log(
    `\nsweep of 16 runs: ${fmt(sweep.oneWorkerSeconds as number)} s on 1 worker, ${fmt(sweep.twoWorkerSeconds as number)} s on 2 (speed-up ${fmt(sweep.speedup as number)}), results identical: ${sweep.identicalResults}`,
  );
  writeResults('scaling', { samples: SAMPLES, inputDim: INPUT_DIM, points, fits, sweep });
}
