// λ-tracked training bench: 10 GD steps with the NTK's top eigenvalue at every step, catapult (Lanczos on the tape) against PyTorch + scipy eigsh.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { backendInfo } from '../src/linalg/backend';
import { serializeNpz } from '../src/io/npz';
import { tensor } from '../src/linalg/tensor';
import { lambdaAt, train } from '../src/models';
import { fmt, once, pick, reluMlpSetup, table, torch, withBackend, writeResults } from './harness';

export const name = 'lambda';

/** The λ-tracked run: 3 hidden ReLU layers of 1024, NTK parameterization, σ_b = 0, 256 inputs of 784, 10 outputs. */
const RUN = { width: 1024, depth: 3, batch: 256, inputDim: 784, outputs: 10, steps: 10 };
const THREADS = [1, 2];

const runSetup = () => reluMlpSetup(RUN);

/** The weights (biases are multiplied by σ_b = 0, so PyTorch's net leaves them out), X and Y, for torch_ref.py. */
function writeInputs(s: ReturnType<typeof runSetup>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-lambda-'));
  const arrays: Record<string, ReturnType<typeof tensor>> = { X: s.data.X, Y: s.data.Y };
  s.model.specs.forEach((spec, i) => {
    if (spec.name.startsWith('W')) arrays[spec.name] = s.init[i];
  });
  const file = path.join(dir, 'lambda-run.npz');
  fs.writeFileSync(file, serializeNpz(arrays));
  return file;
}

/** λ_t at t = 0 … steps and the seconds of the whole run (steps updates and steps + 1 Lanczos λ's, warm-started). */
function catapultRun(s: ReturnType<typeof runSetup>, lr: number, threads: number): { seconds: number; lambdas: number[] } {
  let lambdas: number[] = [];
  const seconds = withBackend(backendInfo().name, threads, () =>
    once(() => {
      const r = train(s.model, s.init, s.data, { lr, steps: RUN.steps, eigEvery: 1, convergeFraction: 1e-300 });
      lambdas = r.records.map((rec) => rec.lambda!);
    }),
  );
  return { seconds, lambdas };
}

const maxRelDiff = (a: number[], b: number[]) =>
  a.length === b.length ? Math.max(...a.map((x, i) => Math.abs(x - b[i]) / Math.abs(b[i]))) : Infinity;

export async function run(): Promise<void> {
  const s = runSetup();
  const lr = 1 / lambdaAt(s.model, s.init, s.data); // η·λ0 = 1: lazy and non-chaotic, so the λ's can agree closely
  const npz = writeInputs(s);
  const rows = THREADS.map((threads) => {
    const ours = catapultRun(s, lr, threads);
    const pt = torch([{ kind: 'lambda_run', npz, lr, ...RUN }], threads, 0.01);
    if (pt.error) console.log(`  PyTorch column skipped: ${pt.error}`);
    const ref = pick(pt, { kind: 'lambda_run' });
    const refLambdas = (ref?.lambdas as number[] | undefined) ?? null;
    return {
      threads,
      seconds: ours.seconds,
      torchSeconds: ref?.seconds ?? null,
      speedOverTorch: ref ? ref.seconds / ours.seconds : null,
      lambdas: ours.lambdas,
      torchLambdas: refLambdas,
      maxRelLambdaDiff: refLambdas ? maxRelDiff(ours.lambdas, refLambdas) : null,
    };
  });
  fs.rmSync(path.dirname(npz), { recursive: true, force: true });
  const info = backendInfo();
  console.log(
    `\n${RUN.steps} GD steps with λ_t every step (${RUN.depth}×${RUN.width} ReLU, batch ${RUN.batch}×${RUN.inputDim}, ${RUN.outputs} outputs, η·λ0 = 1), ${info.flavor}`,
  );
  table(
    ['threads', 'catapult s', 'PyTorch + eigsh s', 'speed-up', 'max |Δλ|/λ'],
    rows.map((r) => [
      String(r.threads),
      fmt(r.seconds, 1),
      fmt(r.torchSeconds, 1),
      fmt(r.speedOverTorch),
      r.maxRelLambdaDiff === null ? '-' : r.maxRelLambdaDiff.toExponential(1),
    ]),
  );
  writeResults('lambda', { ...RUN, lr, backend: info.flavor, rows });
}
