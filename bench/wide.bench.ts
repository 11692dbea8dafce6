// Width-16000 bench (run by name: `npm run bench -- wide`): time and peak memory of one GD step and one λ for 2- and 3-hidden-layer MLPs on 250 images.
// Depth 3 is estimated at 15.8 GiB, over the default limit of half a 24 GB machine: `CATAPULT_MEMORY_LIMIT=20G npm run bench -- wide` runs it; without, it is one skipped line.
import { backendInfo, freeF64, kernelMemory } from '../src/linalg/backend';
import { copyF64, tensor } from '../src/linalg/tensor';
import { forwardPass, ntkTop } from '../src/models';
import { setup } from '../src/experiments';
import { fmt, gdStep, once, table, writeResults } from './harness';

export const name = 'wide';
/** Minutes per depth: `npm run bench` runs it only when named. */
export const onlyByName = true;

const WIDTH = 16000;
const IMAGES = 250;

/** Peak resident bytes of the process so far (getrusage: it only grows). */
const maxRss = () => process.resourceUsage().maxRSS * 1024;

interface Point {
  depth: number;
  paramBytes: number;
  stepSeconds: number;
  stepPeakOverParams: number;
  lambdaSeconds: number;
  lanczosIterations: number;
  lambdaPeakOverParams: number;
  rssAfterStep: number;
  rssAfterLambda: number;
}

function measure(depth: number): Point {
  const s = setup({
    model: 'mlp',
    width: WIDTH,
    depth,
    act: 'relu',
    param: 'ntk',
    sigmaW: Math.SQRT2,
    sigmaB: 0,
    seed: 0,
    dataset: 'fashion-mnist',
    trainSize: IMAGES,
    testSize: 0,
    dataSeed: 0,
  });
  const params = s.init.map((p) => tensor(p.shape, copyF64(p.data)));
  const paramBytes = s.init.reduce((a, p) => a + p.data.length * 8, 0);
  const mem = kernelMemory();
  // Peaks beyond the parameters themselves, as multiples of their bytes (activations and gradients included).
  const beyond = (f: () => void): [number, number] => {
    mem?.resetPeak();
    const live = mem?.live ?? 0,
      seconds = once(f);
    return [seconds, ((mem?.peak ?? 0) - live) / paramBytes];
  };
  const [stepSeconds, stepPeakOverParams] = beyond(() => gdStep(s, params, 1e-3));
  const rssAfterStep = maxRss();
  let lanczosIterations = 0;
  const [lambdaSeconds, lambdaPeakOverParams] = beyond(() => {
    const { tape, f } = forwardPass(s.model, params, s.data);
    lanczosIterations = ntkTop(f).iterations;
    tape.dispose();
  });
  params.forEach((p) => freeF64(p.data));
  return {
    depth,
    paramBytes,
    stepSeconds,
    stepPeakOverParams,
    lambdaSeconds,
    lanczosIterations,
    lambdaPeakOverParams,
    rssAfterStep,
    rssAfterLambda: maxRss(),
  };
}

/** The point, or the one-line refusal of a depth over the memory limit (CATAPULT_MEMORY_LIMIT raises it). */
function measureOrSkip(depth: number): Point | string {
  try {
    return measure(depth);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (!/over the memory limit/.test(message)) throw e;
    return message;
  }
}

/** Depth 2, then 3 (the larger run last, so the process's peak RSS after each is its own). */
export async function run(): Promise<void> {
  const points: Point[] = [];
  const skipped: string[] = [];
  for (const depth of [2, 3]) {
    const p = measureOrSkip(depth);
    if (typeof p === 'string') {
      console.log(`  depth ${depth} skipped: ${p}`);
      skipped.push(`depth ${depth}: ${p}`);
      continue;
    }
    points.push(p);
    console.log(
      `  depth ${depth}: step ${fmt(p.stepSeconds, 1)} s, λ ${fmt(p.lambdaSeconds, 1)} s (${p.lanczosIterations} iterations), peak RSS ${fmt(p.rssAfterLambda / 2 ** 30, 1)} GiB`,
    );
  }
  const info = backendInfo();
  console.log(
    `\nMLP width ${WIDTH} on ${IMAGES} fashion-mnist images, ${info.flavor} on ${info.threads} threads; peaks are kernel buffers beyond the parameters, in parameter bytes`,
  );
  table(
    ['depth', 'param GiB', 'step s', 'step peak / params', 'λ s', 'Lanczos its', 'λ peak / params', 'process peak RSS GiB'],
    points.map((p) => [
      String(p.depth),
      fmt(p.paramBytes / 2 ** 30),
      fmt(p.stepSeconds, 1),
      fmt(p.stepPeakOverParams),
      fmt(p.lambdaSeconds, 1),
      String(p.lanczosIterations),
      fmt(p.lambdaPeakOverParams),
      fmt(p.rssAfterLambda / 2 ** 30, 1),
    ]),
  );
  writeResults('wide', { width: WIDTH, images: IMAGES, points, skipped });
}
