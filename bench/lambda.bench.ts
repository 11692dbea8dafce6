// λ-tracked training bench: 10 GD steps with the NTK's top eigenvalue (and, `--track hessian`, the loss Hessian's) every step, catapult (warm-started Lanczos on the tape) against PyTorch + scipy eigsh.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { sweepCounts } from '../src/autodiff';
import { backendInfo } from '../src/linalg/backend';
import { serializeNpz } from '../src/io/npz';
import { tensor } from '../src/linalg/tensor';
import { lambdaAt, train } from '../src/models';
import { setup, Setup } from '../src/experiments';
import { fmt, once, pick, table, torch, withBackend, writeResults } from './harness';

export const name = 'lambda';

/**
 * The λ-tracked run: 3 hidden ReLU layers of 1024, NTK parameterization, σ_b = 0, 256 inputs of 784, 10
 * outputs; and the Hessian-tracked one on the HVP bench's fc-tanh [200, 200] with 1,000 inputs (the ReLU net's 2.9M
 * parameters would make each λ_H about 30 HVPs of 0.3 s, minutes per row).
 */
const RUNS = [
  { track: 'ntk', act: 'relu', width: 1024, depth: 3, batch: 256, inputDim: 784, outputs: 10, steps: 10 },
  { track: 'hessian', act: 'tanh', width: 200, depth: 2, batch: 1000, inputDim: 784, outputs: 10, steps: 10 },
] as const;
type Run = (typeof RUNS)[number];
const THREADS = [1, 2];

/** NTK parameterization, σ_w = √2, σ_b = 0 (PyTorch's net leaves the biases out), synthetic inputs of data seed 0. */
function runSetup(r: Run): Setup {
  const { act, width, depth, outputs, batch, inputDim } = r;
  return setup({
    model: 'mlp',
    width,
    depth,
    act,
    param: 'ntk',
    sigmaW: Math.SQRT2,
    sigmaB: 0,
    outputs,
    seed: 0,
    samples: batch,
    inputDim,
    dataSeed: 0,
  });
}

/** The weights, X and Y, for torch_ref.py. */
function writeInputs(s: Setup): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-lambda-'));
  const arrays: Record<string, ReturnType<typeof tensor>> = { X: s.data.X, Y: s.data.Y };
  s.model.specs.forEach((spec, i) => {
    if (spec.name.startsWith('W')) arrays[spec.name] = s.init[i];
  });
  const file = path.join(dir, 'lambda-run.npz');
  fs.writeFileSync(file, serializeNpz(arrays));
  return file;
}

/** The tracked eigenvalues at t = 0 … steps, the seconds of the whole run, and its matvecs (NTK products and HVPs). */
interface Tracked {
  seconds: number;
  lambdas: number[];
  hessians: number[];
  matvecs: number;
}

function catapultRun(r: Run, s: Setup, lr: number, threads: number): Tracked {
  const out: Tracked = { seconds: 0, lambdas: [], hessians: [], matvecs: 0 };
  out.seconds = withBackend(backendInfo().name, threads, () =>
    once(() => {
      const before = sweepCounts.jvp + sweepCounts.hvp;
      const t = train(s.model, s.init, s.data, {
        lr,
        steps: r.steps,
        eigEvery: 1,
        convergeFraction: 1e-300,
        trackHessian: r.track === 'hessian',
      });
      out.matvecs = sweepCounts.jvp + sweepCounts.hvp - before;
      out.lambdas = t.records.map((rec) => rec.lambda!);
      out.hessians = r.track === 'hessian' ? t.records.map((rec) => rec.hessian!) : [];
    }),
  );
  return out;
}

/** max_t |a_t − b_t| / |b_t|; Infinity when the lists differ in length (a run that stopped early). */
const maxRelDiff = (a: number[], b: number[]) =>
  a.length === b.length ? Math.max(0, ...a.map((x, i) => Math.abs(x - b[i]) / Math.abs(b[i]))) : Infinity;

/** One row per thread count: catapult's run against the PyTorch reference on the same init and data. */
function benchRun(r: Run) {
  const s = runSetup(r);
  const lr = 1 / lambdaAt(s.model, s.init, s.data); // η·λ0 = 1: lazy and non-chaotic, so the λ's can agree closely
  const npz = writeInputs(s);
  const kind = r.track === 'hessian' ? 'hessian_run' : 'lambda_run';
  const rows = THREADS.map((threads) => {
    const ours = catapultRun(r, s, lr, threads);
    const pt = torch([{ kind, npz, lr, ...r }], threads, 0.01);
    if (pt.error) console.log(`  PyTorch column skipped: ${pt.error}`);
    const ref = pick(pt, { kind });
    const refLambdas = (ref?.lambdas as number[] | undefined) ?? null;
    const refHessians = (ref?.hessians as number[] | undefined) ?? null;
    const diffs = refLambdas ? [maxRelDiff(ours.lambdas, refLambdas), maxRelDiff(ours.hessians, refHessians ?? [])] : null;
    return {
      threads,
      ...ours,
      torchSeconds: ref?.seconds ?? null,
      torchMatvecs: (ref?.matvecs as number | undefined) ?? null,
      speedOverTorch: ref ? ref.seconds / ours.seconds : null,
      torchLambdas: refLambdas,
      torchHessians: refHessians,
      maxRelLambdaDiff: diffs && diffs[0],
      maxRelHessianDiff: diffs && r.track === 'hessian' ? diffs[1] : null,
    };
  });
  fs.rmSync(path.dirname(npz), { recursive: true, force: true });
  return { ...r, lr, rows };
}

const sci = (x: number | null) => (x === null ? '-' : x.toExponential(1));

export async function run(): Promise<void> {
  const info = backendInfo();
  const results = RUNS.map(benchRun);
  for (const r of results) {
    const what = r.track === 'hessian' ? 'λ_t and the loss Hessian’s top eigenvalue λ_H,t' : 'λ_t';
    console.log(
      `\n${r.steps} GD steps with ${what} every step (${r.depth}×${r.width} ${r.act}, batch ${r.batch}×${r.inputDim}, ${r.outputs} outputs, η·λ0 = 1), ${info.flavor}`,
    );
    table(
      ['threads', 'catapult s', 'PyTorch + eigsh s', 'speed-up', 'matvecs (catapult / eigsh)', 'max |Δλ|/λ', 'max |Δλ_H|/λ_H'],
      r.rows.map((x) => [
        String(x.threads),
        fmt(x.seconds, 1),
        fmt(x.torchSeconds, 1),
        fmt(x.speedOverTorch),
        `${x.matvecs} / ${x.torchMatvecs ?? '-'}`,
        sci(x.maxRelLambdaDiff),
        sci(x.maxRelHessianDiff),
      ]),
    );
  }
  writeResults('lambda', { backend: info.flavor, runs: results });
}
