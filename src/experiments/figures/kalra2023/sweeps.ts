// The phase diagram's sweeps: one `phase-sweep --critical` per (panel, depth, width, seed), checkpointed as each finishes.
import { tensor } from '../../../linalg/tensor';
import { Dataset, loadClassification } from '../../../data';
import type { Setup } from '../../run/setup';
import { CriticalResult, criticalSweep } from '../../sweep/critical';
import { parseCriticalGrid } from '../../sweep/criticalGrid';
import { biasFreeMlpSetup, poolImages } from '../common';
import type { FigureDir } from '../output';
import type { ComputeContext } from '../spec';
import type { PhaseDiagramOptions, PhasePanel } from './options';

/** One cell of the diagram: which net, seed and optimizer. */
export interface SweepKey {
  panel: PhasePanel;
  depth: number;
  width: number;
  seed: number;
}

export interface PhaseSweep extends SweepKey {
  /** The run directory's name under runs/. */
  name: string;
  result: CriticalResult;
}

export const sweepName = (k: SweepKey) => `${k.panel}-d${k.depth}-w${k.width}-s${k.seed}`;

/**
 * Each example standardized over its own features (zero mean, unit variance), as K&B's `_standardize` does.
 * @example
 * standardizeExamples(data).X; // every row has mean 0 and (population) variance 1
 */
export function standardizeExamples(d: Dataset): Dataset {
  const [m, n] = d.X.shape;
  const out = new Float64Array(d.X.data);
  for (let i = 0; i < m; i++) {
    const row = out.subarray(i * n, (i + 1) * n);
    let mean = 0;
    for (const v of row) mean += v;
    mean /= n;
    let ss = 0;
    for (const v of row) ss += (v - mean) * (v - mean);
    const scale = 1 / Math.sqrt(ss / n);
    if (!Number.isFinite(scale)) throw new Error(`${d.source}: example ${i} is constant and cannot be standardized`);
    for (let j = 0; j < n; j++) row[j] = (row[j] - mean) * scale;
  }
  return { X: tensor([m, n], out), Y: d.Y, source: `${d.source}, each example standardized` };
}

/** The study's training set: a balanced subset, pooled at CI size, each example standardized. */
export function phaseData(o: PhaseDiagramOptions): Dataset {
  const c = loadClassification(o.dataset, { trainSize: o.trainSize, testSize: 0, seed: o.dataSeed });
  const [train] = poolImages(c.train, c.test, o.pool);
  return standardizeExamples(train);
}

/**
 * K&B's fc net at depth d (d − 1 hidden layers) and width w: ReLU, standard parameterization, no biases, σ_w² = 2 and
 * a readout σ_w of 1, MSE on one-hot targets, θ_0 from `seed`.
 * @example
 * const s = phaseSetup(PHASE_DIAGRAM_DEFAULTS, phaseData(PHASE_DIAGRAM_DEFAULTS), 4, 16, 0);
 */
export function phaseSetup(o: PhaseDiagramOptions, data: Dataset, depth: number, width: number, seed: number): Setup {
  if (depth < 2) throw new Error(`depth ${depth}: K&B's d counts weight layers, so a net with a hidden layer has d ≥ 2`);
  const net = { width, depth: depth - 1, act: 'relu', param: 'standard', sigmaW: o.sigmaW, readoutSigmaW: o.readoutSigmaW } as const;
  return biasFreeMlpSetup(net, data, seed);
}

/** Every sweep of the options, in the order they run: panel, then depth, width and seed. */
export function sweepKeys(o: PhaseDiagramOptions): SweepKey[] {
  return o.panels.flatMap((panel) =>
    o.depths.flatMap((depth) => o.widths.flatMap((width) => o.seeds.map((seed) => ({ panel, depth, width, seed })))),
  );
}

/** The run settings of a panel: SGD draws `batch` rows a step, in an order seeded by θ_0's seed. */
export const panelRun = (o: PhaseDiagramOptions, k: SweepKey) => (k.panel === 'sgd' ? { batch: o.batch, batchSeed: k.seed } : {});

export const PARTIAL_FILE = 'critical.partial.json';

/** The sweeps an earlier run into the same directory finished with the same options but for the lists of cells. */
export function resumableSweeps(dir: FigureDir, o: PhaseDiagramOptions): PhaseSweep[] {
  const saved = dir.readJson(PARTIAL_FILE) as { options?: PhaseDiagramOptions; sweeps?: PhaseSweep[] } | undefined;
  const rest = (x: PhaseDiagramOptions) => JSON.stringify({ ...x, depths: null, widths: null, seeds: null, panels: null });
  return saved?.options && rest(saved.options) === rest(o) && Array.isArray(saved.sweeps) ? saved.sweeps : [];
}

export interface PhaseDiagramData {
  sweeps: PhaseSweep[];
  /** The training set every sweep used (written to data.npz). */
  data: Dataset;
  /** How many sweeps came from an interrupted earlier run. */
  resumed: number;
  seconds: number;
}

/**
 * Runs every cell's critical sweep (or takes it from the checkpoint), saving the list after each one.
 * @example
 * const d = computePhaseDiagram(PHASE_DIAGRAM_DEFAULTS, ctx); // d.sweeps[0].result.c_loss
 */
export function computePhaseDiagram(o: PhaseDiagramOptions, ctx: ComputeContext<PhaseSweep[]>): PhaseDiagramData {
  const started = Date.now();
  const data = phaseData(o);
  const cs = parseCriticalGrid(o.grid);
  const keys = sweepKeys(o);
  const earlier = new Map((ctx.resumed ?? []).map((s) => [s.name, s]));
  const sweeps: PhaseSweep[] = [];
  let resumed = 0;
  keys.forEach((k, i) => {
    const name = sweepName(k);
    const old = earlier.get(name);
    if (old) resumed++;
    const result =
      old?.result ??
      criticalSweep(phaseSetup(o, data, k.depth, k.width, k.seed), {
        cs,
        horizon: o.horizon,
        run: panelRun(o, k),
        onPoint: (j, n, p) => ctx.progress((i + j / n) / keys.length, `${name}, c = ${p.c.toFixed(3)}`),
      });
    sweeps.push({ ...k, name, result });
    ctx.checkpoint(sweeps);
  });
  return { sweeps, data, resumed, seconds: (Date.now() - started) / 1000 };
}
