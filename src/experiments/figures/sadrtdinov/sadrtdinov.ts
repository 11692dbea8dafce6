// Sadrtdinov et al. (2024): which initial learning rate of a scale-invariant net on the sphere gives the best model after fine-tuning or SWA.
import { Tensor, copyF64, tensor } from '../../../linalg/tensor';
import { RandomState } from '../../../random/randomState';
import { freeF64 } from '../../../linalg/backend';
import { kernels } from '../../../linalg/kernels';
import { vjp } from '../../../autodiff';
import { Dataset, loadClassification, subset } from '../../../data';
import { Evaluation, Model, evaluate, forwardPass, initParams, makeModel } from '../../../models';
import { Report, fmt } from '../../report/report';
import { Band, Series } from '../../report/plot';
import { logspace } from '../../report/stats';
import { poolImages, figureDataset } from '../common';
import { FigureDir, FigureOutput } from '../output';
import { FigureSpec, Progress, RunSettings, seedAndWidth } from '../spec';

export interface SadrtdinovOptions {
  /** Hidden units per layer; every hidden layer is layer-normalized, so its incoming weights are scale-invariant. */
  width: number;
  /** Hidden layers (their weights W_0 … W_{depth−1} are trained on the sphere; the last layer stays fixed). */
  depth: number;
  trainSize: number;
  testSize: number;
  /** Average-pool the 28×28 images by this factor (1 = none), to cut the first layer's cost in CI-size runs. */
  pool: number;
  /** Initial (effective) learning rates, ascending. */
  grid: number[];
  batchSize: number;
  /** Epochs of the initial phase at the grid's η. */
  epochs: number;
  /** SWA averages the weights after every step of the last `swaEpochs` epochs of the initial phase; the regime is read off the same window. */
  swaEpochs: number;
  /** Fine-tuning: this many epochs at `fineTuneLr`, from the end of the initial phase. */
  fineTuneLr: number;
  fineTuneEpochs: number;
  /** Radius of the sphere that holds the trainable weights jointly; with radius 1, η is the effective learning rate. */
  radius: number;
  /** σ_w of the fixed last layer (std σ_w/√width): logits start O(σ_w). */
  lastLayerSigma: number;
  seed: number;
  /** The data set (a --dataset spec); absent: fashion-mnist. Optional, so the default runs' outputs, which list the options, stay as they were. */
  dataset?: string;
}

export const SADRTDINOV_DEFAULTS: SadrtdinovOptions = {
  width: 128,
  depth: 2,
  trainSize: 1000,
  testSize: 2000,
  pool: 2,
  grid: logspace(3e-4, 3, 11),
  batchSize: 50,
  epochs: 80,
  swaEpochs: 20,
  fineTuneLr: 3e-4,
  fineTuneEpochs: 20,
  radius: 1,
  lastLayerSigma: Math.SQRT2,
  seed: 0,
};
/** Closer to the paper: 32 initial learning rates reaching further down, more data and epochs, full-resolution images (hours here). */
export const SADRTDINOV_FULL: Partial<SadrtdinovOptions> = {
  width: 256,
  trainSize: 5000,
  testSize: 5000,
  pool: 1,
  grid: logspace(1e-4, 3, 32),
  epochs: 300,
  swaEpochs: 40,
  fineTuneLr: 1e-4,
  fineTuneEpochs: 60,
};

export type Regime = 'convergence' | 'chaotic' | 'divergence';

/** Mean minibatch loss below this fraction of ln k: the run converged. */
export const CONVERGED_FRACTION = 0.05;
/** Mean minibatch loss above this fraction of ln k, or training accuracy below twice chance: the run learned nothing. */
export const NO_LEARNING_FRACTION = 0.9;

export interface SadrtdinovRun {
  eta: number;
  regime: Regime;
  /** Mean minibatch loss of every epoch of the initial phase (the trajectory). */
  epochLoss: number[];
  /** Mean minibatch loss over the last `swaEpochs` epochs: what the regime is read from. */
  windowLoss: number;
  /** The weights at the end of the initial phase, on the whole training and test sets. */
  train: Evaluation;
  test: Evaluation;
  fineTuned: { train: Evaluation; test: Evaluation };
  swa: { train: Evaluation; test: Evaluation };
}

export interface SadrtdinovData {
  runs: SadrtdinovRun[];
  source: string;
  inputDim: number;
  scaleInvariance: number;
}

/** 784 (or pooled) → width^depth → 10, ReLU after a layer norm without gain or bias, no biases, softmax cross-entropy. */
export function sadrtdinovModel(o: Pick<SadrtdinovOptions, 'width' | 'depth' | 'lastLayerSigma'>, inputDim: number, outputs = 10): Model {
  return makeModel({
    kind: 'mlp',
    width: o.width,
    depth: o.depth,
    act: 'relu',
    param: 'standard',
    sigmaW: o.lastLayerSigma,
    sigmaB: 0,
    outputs,
    inputDim,
    loss: 'ce',
    bias: false,
    norm: 'layer',
  });
}

/** The indices of the trained (scale-invariant) parameters: every weight matrix but the last. */
export function trainableIndices(model: Model): number[] {
  return model.specs.slice(0, -1).map((_, i) => i);
}

/** ‖(W_0, …, W_{L−1})‖₂ jointly over the parameters `which`. */
export function sphereNorm(params: readonly Tensor[], which: readonly number[]): number {
  let s = 0;
  for (const i of which) {
    const n = kernels.dnrm2(params[i].data.length, params[i].data, 1, 0);
    s += n * n;
  }
  return Math.sqrt(s);
}

/** Rescales the parameters `which` jointly (in place) back onto the sphere of the given radius. */
export function projectOntoSphere(params: readonly Tensor[], which: readonly number[], radius: number): void {
  const scale = radius / sphereNorm(params, which);
  for (const i of which) kernels.dscal(params[i].data.length, scale, params[i].data, 1, 0);
}

/** The seeded standard initialization with the trainable weights rescaled onto the sphere (the function is unchanged: it is scale-invariant). */
export function sphereInit(model: Model, seed: number, radius: number): Tensor[] {
  const params = initParams(model, seed);
  projectOntoSphere(params, trainableIndices(model), radius);
  return params;
}

interface SphereSgdResult {
  params: Tensor[];
  /** Mean minibatch loss per epoch. */
  epochLoss: number[];
  /** Average of the weights after every step of the last `averageEpochs` epochs, projected back onto the sphere (null when 0). */
  average: Tensor[] | null;
}

/**
 * Projected SGD: θ ← Π(θ − η∇L_batch) on the trainable weights (Π rescales them jointly to `radius`), the last layer
 * untouched. Each epoch is a fresh numpy-compatible `RandomState(seed).permutation(m)` cut into full batches.
 */
export function sphereSgd(
  model: Model,
  init: readonly Tensor[],
  data: Dataset,
  o: { lr: number; epochs: number; batchSize: number; seed: number; radius: number; averageEpochs?: number },
): SphereSgdResult {
  const m = data.X.shape[0],
    perEpoch = Math.floor(m / o.batchSize),
    which = trainableIndices(model);
  if (perEpoch < 1) throw new Error(`batch size ${o.batchSize} exceeds the ${m} training rows`);
  const params = init.map((p) => tensor(p.shape, copyF64(p.data)));
  const averageFrom = o.epochs - (o.averageEpochs ?? 0);
  const sum = o.averageEpochs ? init.map((p) => new Float64Array(p.data.length)) : null;
  const rng = new RandomState(o.seed),
    epochLoss: number[] = [];
  let averaged = 0;
  for (let e = 0; e < o.epochs; e++) {
    const order = rng.permutation(m);
    let total = 0;
    for (let b = 0; b < perEpoch; b++) {
      total += sgdStep(model, params, subset(data, order.subarray(b * o.batchSize, (b + 1) * o.batchSize)), o.lr, which);
      projectOntoSphere(params, which, o.radius);
      if (sum && e >= averageFrom) {
        params.forEach((p, i) => kernels.daxpy(p.data.length, 1, p.data, 1, 0, sum[i], 1, 0));
        averaged++;
      }
    }
    epochLoss.push(total / perEpoch);
  }
  const kept = params.map((p) => tensor(p.shape, p.data.slice()));
  params.forEach((p) => freeF64(p.data));
  let average: Tensor[] | null = null;
  if (sum) {
    average = sum.map((s, i) =>
      tensor(
        init[i].shape,
        s.map((v) => v / averaged),
      ),
    );
    projectOntoSphere(average, which, o.radius);
  }
  return { params: kept, epochLoss, average };
}

/** One plain SGD step on the parameters `which`; returns the batch loss before the step. */
function sgdStep(model: Model, params: readonly Tensor[], batch: Dataset, lr: number, which: readonly number[]): number {
  const { tape, loss } = forwardPass(model, params, batch);
  try {
    const grads = vjp(loss, Float64Array.of(1));
    for (const i of which) kernels.daxpy(params[i].data.length, -lr, grads[i], 1, 0, params[i].data, 1, 0);
    grads.forEach((g) => freeF64(g));
    return loss.value.data[0];
  } finally {
    tape.dispose();
  }
}

/** The regime from the mean minibatch loss over the last epochs and the final training accuracy (k classes). */
export function regimeOf(windowLoss: number, trainAccuracy: number, classes: number): Regime {
  const chance = Math.log(classes);
  if (!Number.isFinite(windowLoss) || windowLoss > NO_LEARNING_FRACTION * chance || trainAccuracy < 2 / classes) return 'divergence';
  return windowLoss < CONVERGED_FRACTION * chance ? 'convergence' : 'chaotic';
}

/** |loss(α·W) − loss(W)| / loss(W) over a few α, for the trainable weights jointly and for each one alone (the largest). */
export function scaleInvarianceError(model: Model, params: readonly Tensor[], data: Dataset, alphas = [1e-3, 0.5, 3, 1e3]): number {
  const base = evaluate(model, params, data).loss;
  let worst = 0;
  const groups = [trainableIndices(model), ...trainableIndices(model).map((i) => [i])];
  for (const group of groups)
    for (const a of alphas) {
      const scaled = params.map((p, i) =>
        group.includes(i)
          ? tensor(
              p.shape,
              p.data.map((v) => a * v),
            )
          : p,
      );
      worst = Math.max(worst, Math.abs(evaluate(model, scaled, data).loss - base) / base);
    }
  return worst;
}

/** The data, pooled and standardized as the options say. */
export function sadrtdinovData(o: Pick<SadrtdinovOptions, 'trainSize' | 'testSize' | 'pool' | 'seed' | 'dataset'>): {
  train: Dataset;
  test: Dataset;
  source: string;
} {
  const c = loadClassification(figureDataset(o), { trainSize: o.trainSize, testSize: o.testSize, seed: o.seed });
  const [train, test] = poolImages(c.train, c.test, o.pool);
  return { train, test, source: c.source };
}

/** One initial η: the initial phase (with SWA over its last epochs), its regime, then fine-tuning at the small η. */
function runAt(model: Model, init: readonly Tensor[], train: Dataset, test: Dataset, eta: number, o: SadrtdinovOptions): SadrtdinovRun {
  const sgd = { batchSize: o.batchSize, seed: o.seed, radius: o.radius };
  const first = sphereSgd(model, init, train, { ...sgd, lr: eta, epochs: o.epochs, averageEpochs: o.swaEpochs });
  const tail = first.epochLoss.slice(-o.swaEpochs);
  const windowLoss = tail.reduce((a, b) => a + b, 0) / tail.length;
  const trainEval = evaluate(model, first.params, train);
  // The fine-tuning batches follow their own seeded order, the same for every initial η.
  const tuned = sphereSgd(model, first.params, train, { ...sgd, seed: o.seed + 1, lr: o.fineTuneLr, epochs: o.fineTuneEpochs });
  return {
    eta,
    regime: regimeOf(windowLoss, trainEval.accuracy, train.Y.shape[1]),
    epochLoss: first.epochLoss,
    windowLoss,
    train: trainEval,
    test: evaluate(model, first.params, test),
    fineTuned: { train: evaluate(model, tuned.params, train), test: evaluate(model, tuned.params, test) },
    swa: { train: evaluate(model, first.average!, train), test: evaluate(model, first.average!, test) },
  };
}

/** The sweep over the initial η; `onRun` sees every run as it finishes (the figure writes its tables there). */
export function computeSadrtdinov(
  o: SadrtdinovOptions,
  progress: Progress = () => {},
  onRun: (runs: SadrtdinovRun[]) => void = () => {},
): SadrtdinovData {
  if (o.swaEpochs < 1 || o.swaEpochs > o.epochs) throw new Error(`swaEpochs must be in [1, epochs = ${o.epochs}], got ${o.swaEpochs}`);
  const { train, test, source } = sadrtdinovData(o);
  const model = sadrtdinovModel(o, train.X.shape[1], train.Y.shape[1]);
  const init = sphereInit(model, o.seed, o.radius);
  const scaleInvariance = scaleInvarianceError(model, init, firstRowsOf(train, 100));
  const runs: SadrtdinovRun[] = [];
  o.grid.forEach((eta, i) => {
    progress(i / o.grid.length, `η = ${fmt(eta)}`);
    runs.push(runAt(model, init, train, test, eta, o));
    onRun(runs);
  });
  return { runs, source, inputDim: train.X.shape[1], scaleInvariance };
}

function firstRowsOf(data: Dataset, k: number): Dataset {
  return subset(
    data,
    Array.from({ length: Math.min(k, data.X.shape[0]) }, (_, i) => i),
  );
}

// ---- the figure ----

/** Where the regimes change along the grid: the last η of each regime before the next one starts (null if absent). */
export interface RegimeSummary {
  /** The largest η that converged, and the smallest that did not. */
  convergenceEdge: [number, number] | null;
  /** The largest η that learned, and the smallest that learned nothing. */
  learningEdge: [number, number] | null;
  /** The grid's regimes are ordered: convergence, then chaotic, then divergence, with no interleaving. */
  ordered: boolean;
}

const ORDER: Record<Regime, number> = { convergence: 0, chaotic: 1, divergence: 2 };

export function summarizeRegimes(runs: readonly SadrtdinovRun[]): RegimeSummary {
  const edge = (below: (r: SadrtdinovRun) => boolean): [number, number] | null => {
    const i = runs.findIndex((r) => !below(r));
    return i > 0 ? [runs[i - 1].eta, runs[i].eta] : null;
  };
  return {
    convergenceEdge: edge((r) => r.regime === 'convergence'),
    learningEdge: edge((r) => r.regime !== 'divergence'),
    ordered: runs.every((r, i) => i === 0 || ORDER[r.regime] >= ORDER[runs[i - 1].regime]),
  };
}

const COLUMNS = [
  'eta',
  'regime',
  'window_loss',
  'train_loss',
  'train_accuracy',
  'test_accuracy',
  'finetune_train_loss',
  'finetune_test_accuracy',
  'swa_train_loss',
  'swa_test_accuracy',
];

function rowsOf(runs: readonly SadrtdinovRun[]) {
  return runs.map((r) => ({
    eta: r.eta,
    regime: r.regime,
    window_loss: r.windowLoss,
    train_loss: r.train.loss,
    train_accuracy: r.train.accuracy,
    test_accuracy: r.test.accuracy,
    finetune_train_loss: r.fineTuned.train.loss,
    finetune_test_accuracy: r.fineTuned.test.accuracy,
    swa_train_loss: r.swa.train.loss,
    swa_test_accuracy: r.swa.test.accuracy,
  }));
}

/** runs.csv/json and trajectories.csv/json: written after every run as it finishes, and again by the report. */
function writeTables(out: FigureDir, runs: readonly SadrtdinovRun[], o: SadrtdinovOptions): void {
  const traj = runs.flatMap((r) => r.epochLoss.map((loss, e) => ({ eta: r.eta, epoch: e + 1, loss })));
  out.table('runs', COLUMNS, rowsOf(runs), { ...o });
  out.table('trajectories', ['eta', 'epoch', 'loss'], traj, { note: 'mean minibatch training loss per epoch of the initial phase' });
}

/** Background bands for the regimes: each spans its runs' η, split at the geometric midpoint between neighbours. */
function regimeBands(runs: readonly SadrtdinovRun[]): Band[] {
  const colors: Record<Regime, string> = { convergence: '#1f77b4', chaotic: '#2ca02c', divergence: '#d62728' };
  const bands: Band[] = [];
  runs.forEach((r, i) => {
    const from = i === 0 ? -Infinity : Math.sqrt(runs[i - 1].eta * r.eta),
      to = i === runs.length - 1 ? Infinity : Math.sqrt(r.eta * runs[i + 1].eta);
    const last = bands[bands.length - 1];
    if (last && last.label === r.regime) last.to = to;
    else bands.push({ from, to, label: r.regime, color: colors[r.regime] });
  });
  return bands;
}

const best = (runs: readonly SadrtdinovRun[], pick: (r: SadrtdinovRun) => number) => runs.reduce((a, b) => (pick(b) > pick(a) ? b : a));

/**
 * The paper's claim for one way of ending training (fine-tuning or SWA): its best run is chaotic, just above the convergence
 * edge, and beats the converged runs by more than one binomial standard error of a test accuracy (else the ranking is noise).
 */
function checkBest(
  report: Report,
  runs: readonly SadrtdinovRun[],
  what: string,
  pick: (r: SadrtdinovRun) => number,
  testSize: number,
): void {
  const top = best(runs, pick);
  const converged = runs.filter((r) => r.regime === 'convergence'),
    chaotic = runs.filter((r) => r.regime === 'chaotic');
  const bestConverged = converged.length ? Math.max(...converged.map(pick)) : NaN;
  const bestChaotic = chaotic.length ? Math.max(...chaotic.map(pick)) : NaN;
  const stdError = Math.sqrt((pick(top) * (1 - pick(top))) / testSize);
  // "Just above the threshold": in the lower half (in log η) of the chaotic range.
  const lowerHalf = chaotic.length > 0 && Math.log(top.eta) <= (Math.log(chaotic[0].eta) + Math.log(chaotic[chaotic.length - 1].eta)) / 2;
  report.check({
    quantity: `initial η of the best test accuracy after ${what}`,
    paper: 'a narrow range just above the convergence threshold (chaotic equilibrium, lower half of it in log η)',
    measured: `η = ${fmt(top.eta)} (${top.regime}), test accuracy ${fmt(pick(top))}; chaotic range ${chaotic.length ? `${fmt(chaotic[0].eta)}–${fmt(chaotic[chaotic.length - 1].eta)}` : 'empty'}`,
    pass: top.regime === 'chaotic' && lowerHalf,
  });
  report.check({
    quantity: `best test accuracy after ${what}: chaotic-equilibrium runs vs converged runs (must differ by more than one standard error √(p(1−p)/${testSize}))`,
    paper: 'higher from the chaotic range than from any small (converging) η',
    measured: `${fmt(bestChaotic)} vs ${fmt(bestConverged)}: difference ${fmt(bestChaotic - bestConverged)}, standard error ${fmt(stdError)}`,
    pass: chaotic.length > 0 && converged.length > 0 && bestChaotic - bestConverged > stdError,
  });
}

function setupText(o: SadrtdinovOptions, d: SadrtdinovData, full: boolean): string {
  return (
    `${o.depth} hidden ReLU layer(s) of width ${o.width}, each pre-activation layer-normalized (no gain, no bias, eps 0) and no biases anywhere, so the loss is ` +
    `invariant to scaling any hidden weight matrix (measured: |ΔL|/L ≤ ${fmt(d.scaleInvariance, 2)} for α from 1e-3 to 1e3). The last layer (std ${fmt(o.lastLayerSigma)}/√${o.width}) is fixed at ` +
    `initialization. The trainable weights W_0…W_${o.depth - 1} start from the standard initialization rescaled jointly to total norm ${o.radius}, and after every SGD step they are ` +
    `projected back onto that sphere, so η is the effective learning rate. Softmax cross-entropy, minibatch SGD (batch ${o.batchSize}, no momentum, no weight decay) on a balanced ` +
    `${o.trainSize}-image subset of ${d.source} (${d.inputDim} inputs${o.pool > 1 ? `, after ${o.pool}×${o.pool} average pooling rescaled to unit std` : ''}); ` +
    `test accuracy on ${o.testSize} balanced test images. Initial phase: ${o.epochs} epochs at each of ${o.grid.length} η from ${fmt(o.grid[0])} to ${fmt(o.grid[o.grid.length - 1])} ` +
    `(log grid). Fine-tuning: ${o.fineTuneEpochs} epochs at η = ${fmt(o.fineTuneLr)} from the end of the initial phase. SWA: the mean of the weights after every step ` +
    `of the last ${o.swaEpochs} epochs, projected back onto the sphere (this does not change the function, which depends on each W_l's direction only). ` +
    `Regime rule, with L̄ the mean minibatch loss over those last ${o.swaEpochs} epochs: L̄ < ${CONVERGED_FRACTION}·ln 10 → convergence; ` +
    `L̄ > ${NO_LEARNING_FRACTION}·ln 10 or final training accuracy < 0.2 (twice chance) → divergence (no learning: on the sphere the weights cannot blow up); else chaotic equilibrium. ` +
    (full
      ? 'Larger sizes (`--full`).'
      : 'CI-friendly sizes; `--full` runs 32 η, width 256, 5000 full-resolution images and longer training.')
  );
}

/** What the checks do not say: the no-learning loss level, and that the convergence edge moves with the epoch budget. */
function caveats(runs: readonly SadrtdinovRun[], o: SadrtdinovOptions): string {
  const dead = runs.filter((r) => r.regime === 'divergence').map((r) => r.windowLoss);
  const firstChaotic = runs.find((r) => r.regime === 'chaotic');
  return (
    (dead.length
      ? `Runs that learned nothing sit at L̄ = ${fmt(Math.min(...dead))}–${fmt(Math.max(...dead))}, above ln 10 = ${fmt(Math.log(10))}: the fixed ` +
        'random last layer gives O(1) logits, so chance-level predictions cost more than ln 10. '
      : '') +
    `The convergence edge is read after ${o.epochs} epochs: smaller η converge more slowly, and the lowest chaotic η` +
    (firstChaotic
      ? ` (${fmt(firstChaotic.eta)}, L̄ = ${fmt(firstChaotic.windowLoss)}, last epoch ${fmt(firstChaotic.epochLoss[firstChaotic.epochLoss.length - 1])})`
      : '') +
    ' may still be falling with spikes rather than at a stationary level, so the edge is uncertain by about one grid step. ' +
    'One seed; the accuracy differences near the top are of the order of the binomial standard error of the test set.'
  );
}

async function plotsOf(out: FigureOutput, runs: readonly SadrtdinovRun[], o: SadrtdinovOptions): Promise<void> {
  const eta = runs.map((r) => r.eta);
  const line = (name: string, pick: (r: SadrtdinovRun) => number, dashed = false): Series => ({
    name,
    x: eta,
    y: runs.map(pick),
    points: true,
    dashed,
  });
  await out.plot(
    'sadrtdinov_accuracy',
    {
      kind: 'line',
      title: 'test accuracy against the initial η',
      xLabel: 'initial (effective) learning rate η',
      yLabel: 'test accuracy',
      xLog: true,
      series: [
        line(`after fine-tuning (η = ${fmt(o.fineTuneLr)})`, (r) => r.fineTuned.test.accuracy),
        line(`SWA (last ${o.swaEpochs} epochs)`, (r) => r.swa.test.accuracy),
        line('end of the initial phase', (r) => r.test.accuracy, true),
      ],
      bands: regimeBands(runs),
    },
    'Test accuracy after fine-tuning, after SWA and at the end of the initial phase, against the initial η (log axis); shaded: the regime each η reached.',
  );
  // A few trajectories: the ends of the grid and the runs on both sides of each regime boundary.
  const picks = new Set<number>([0, runs.length - 1]);
  runs.forEach((r, i) => {
    if (i > 0 && r.regime !== runs[i - 1].regime) {
      picks.add(i - 1);
      picks.add(i);
    }
  });
  await out.plot(
    'sadrtdinov_trajectories',
    {
      kind: 'line',
      title: 'training loss during the initial phase',
      xLabel: 'epoch',
      yLabel: 'mean minibatch loss',
      yLog: true,
      series: [...picks]
        .sort((a, b) => a - b)
        .map((i) => ({
          name: `η = ${fmt(runs[i].eta)} (${runs[i].regime})`,
          x: runs[i].epochLoss.map((_, e) => e + 1),
          y: runs[i].epochLoss,
        })),
      hlines: [
        { at: Math.log(10), label: 'ln 10 (chance)' },
        { at: CONVERGED_FRACTION * Math.log(10), label: `${CONVERGED_FRACTION}·ln 10` },
      ],
    },
    'Mean minibatch training loss per epoch for the ends of the grid and the η on both sides of each regime boundary (log y).',
  );
}

async function reportSadrtdinov(d: SadrtdinovData, o: SadrtdinovOptions, out: FigureOutput, run: RunSettings): Promise<void> {
  writeTables(out, d.runs, o);
  const { report } = out;
  const s = summarizeRegimes(d.runs);
  report.check({
    quantity: 'regimes along the η grid',
    paper: 'convergence, then chaotic equilibrium, then divergence as η grows',
    measured:
      `convergence up to η = ${s.convergenceEdge ? fmt(s.convergenceEdge[0]) : '—'}, learning up to η = ${s.learningEdge ? fmt(s.learningEdge[0]) : '—'}` +
      `${s.ordered ? '' : ' (the regimes interleave on the grid)'}`,
    pass: s.ordered && new Set(d.runs.map((r) => r.regime)).size === 3,
  });
  checkBest(report, d.runs, 'fine-tuning', (r) => r.fineTuned.test.accuracy, o.testSize);
  checkBest(report, d.runs, 'SWA', (r) => r.swa.test.accuracy, o.testSize);
  report.text(setupText(o, d, run.full));
  report.text(caveats(d.runs, o));
  await plotsOf(out, d.runs, o);
  report.heading('Runs').table(
    ['η', 'regime', 'L̄ (last epochs)', 'train acc.', 'test acc.', 'fine-tuned test acc.', 'SWA test acc.'],
    d.runs.map((r) => [r.eta, r.regime, r.windowLoss, r.train.accuracy, r.test.accuracy, r.fineTuned.test.accuracy, r.swa.test.accuracy]),
  );
}

export const sadrtdinov: FigureSpec<SadrtdinovOptions, SadrtdinovData, SadrtdinovRun[]> = {
  takesDataset: true,
  id: 'sadrtdinov',
  title: 'Sadrtdinov et al.: the initial learning rate that gives the best model after fine-tuning or SWA',
  suite: 'followups',
  weight: 3,
  defaults: SADRTDINOV_DEFAULTS,
  full: SADRTDINOV_FULL,
  overrides: seedAndWidth('width'),
  compute: (o, ctx) => computeSadrtdinov(o, ctx.progress, (runs) => ctx.checkpoint(runs)),
  // The tables grow run by run, so an interrupted sweep keeps the runs that finished.
  checkpoint: { save: (runs, o, dir) => writeTables(dir, runs, o) },
  reportTitle: (o) =>
    `Sadrtdinov et al.: test accuracy after fine-tuning and SWA against the initial η (scale-invariant MLP, width ${o.width})`,
  report: reportSadrtdinov,
};
