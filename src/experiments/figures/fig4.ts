// Figs. 4 and 6: a 1-hidden-layer ReLU net on 512 images, full-batch GD — test accuracy against η, and models linearized at steps 0 and 10.
import type { Tensor } from '../../linalg/tensor';
import {
  Dataset,
  Linearization,
  evaluate,
  linearize,
  linearOutputs,
  classification,
  loadClassification,
  trainLinearized,
} from '../../models';
import { fmt } from '../report';
import { Series } from '../plot';
import { Instance, etaLabel, gd, mlpInstance, poolImages, figureDataset } from './common';
import { FigureOutput } from './output';
import { FigureSpec, Progress, RunSettings, seedAndWidth } from './spec';

export interface Fig4Options {
  width: number;
  trainSize: number;
  testSize: number;
  /** Average-pool the 28×28 images by this factor (1 = none) to cut the first layer's cost in CI-size runs. */
  pool: number;
  seed: number;
  grid: number[];
  /** Each run stops at train accuracy 1, or at physical time t·η = physTime (ceil(physTime/η) steps), the same for every η. */
  physTime: number;
  /** Steps after which the second linearized model is formed (the paper's 10). */
  linearizeAt: number;
  /** The data set (a --dataset spec); absent: fashion-mnist. Optional, so the default runs' outputs, which list the options, stay as they were. */
  dataset?: string;
}

export const FIG4_DEFAULTS: Fig4Options = {
  width: 256,
  trainSize: 500,
  testSize: 1000,
  pool: 4,
  seed: 0,
  grid: [0.5, 1, 2, 3, 4, 6, 8, 10, 12, 14],
  physTime: 4000,
  linearizeAt: 10,
};
/** The paper's sizes: 512 images at full resolution; the width is not given in SM A, 2048 as in Fig. 3. */
export const FIG4_FULL: Partial<Fig4Options> = { width: 2048, trainSize: 510, testSize: 10000, pool: 1, physTime: 700000 };

export interface Fig4Point {
  etaLambda0: number;
  eta: number;
  diverged: boolean;
  steps: number;
  trainAccuracy: number;
  testAccuracy: number;
  /** Test accuracy of the models linearized at step 0 and at `linearizeAt` (fig6; null when not run or diverged). */
  lin0: number | null;
  linT: number | null;
}

export interface Fig4Data {
  lambda0: number;
  points: Fig4Point[];
  source: string;
  inputDim: number;
}

/** Tapes at θ_t0 on the training and the test inputs: the first trains f_lin, the second predicts with it. */
function linearizations(inst: Instance, theta: readonly Tensor[], test: Dataset): [Linearization, Linearization] {
  return [linearize(inst.model, theta, inst.data), linearize(inst.model, theta, test)];
}

function linearizedAccuracy([onTrain, onTest]: [Linearization, Linearization], eta: number, steps: number): number | null {
  const r = trainLinearized(onTrain, { lr: eta, steps, stopAccuracy: 1 });
  if (r.diverged) return null;
  const out = linearOutputs(onTest, r.delta);
  return classification(out, onTest.data.Y.data, onTest.data.Y.shape[0], onTest.data.Y.shape[1]).accuracy;
}

interface Sweep {
  inst: Instance;
  test: Dataset;
  points: Fig4Point[];
  source: string;
}
const sweeps = new Map<string, Sweep>();

/** The network's runs over the η grid, once per option set (fig4 and fig6 share them within one process). */
function networkSweep(o: Fig4Options, progress: Progress): Sweep {
  const key = JSON.stringify(o);
  const hit = sweeps.get(key);
  if (hit) return hit;
  const c = loadClassification(figureDataset(o), { trainSize: o.trainSize, testSize: o.testSize, seed: o.seed });
  const [train, test] = poolImages(c.train, c.test, o.pool);
  const inst = mlpInstance({ width: o.width, depth: 1, act: 'relu' }, train, o.seed);
  const [m, k] = train.Y.shape;
  const points = o.grid.map((etaLambda0, i): Fig4Point => {
    progress(i / o.grid.length, etaLabel(etaLambda0));
    const eta = etaLambda0 / inst.lambdaNtk0;
    const r = gd(inst, eta, {
      steps: Math.ceil(o.physTime / eta),
      eigEvery: 0,
      measureLambda: false,
      recordOutputs: true,
      // Only the newest outputs are needed: drop the previous step's, or a long run keeps m·k doubles per step.
      stopWhen: (rec, prev) => {
        if (prev) delete prev.outputs;
        return classification(rec.outputs!, train.Y.data, m, k).accuracy === 1;
      },
    });
    const last = r.records[r.records.length - 1];
    return {
      etaLambda0,
      eta,
      diverged: r.diverged !== null,
      steps: last.t,
      trainAccuracy: r.diverged ? NaN : classification(last.outputs!, train.Y.data, m, k).accuracy,
      testAccuracy: r.diverged ? NaN : evaluate(inst.model, r.params, test).accuracy,
      lin0: null,
      linT: null,
    };
  });
  const sweep = { inst, test, points, source: c.source };
  sweeps.set(key, sweep);
  return sweep;
}

/** fig4's sweep; with `withLinearized` (fig6) also the test accuracies of the models linearized at step 0 and at `linearizeAt`. */
export function computeFig4(o: Fig4Options, withLinearized: boolean, progress: Progress = () => {}): Fig4Data {
  const share = withLinearized ? 0.4 : 1;
  const { inst, test, points: network, source } = networkSweep(o, (f, note) => progress(share * f, note));
  let points = network;
  if (withLinearized) {
    const atInit = linearizations(inst, inst.init, test);
    points = network.map((p, i) => {
      progress(share + (1 - share) * (i / network.length), `linearized, ${etaLabel(p.etaLambda0)}`);
      if (p.diverged) return p;
      const steps = Math.ceil(o.physTime / p.eta); // the network's budget
      const early = gd(inst, p.eta, { steps: o.linearizeAt, eigEvery: 0, measureLambda: false });
      return {
        ...p,
        lin0: linearizedAccuracy(atInit, p.eta, steps),
        linT: early.diverged ? null : linearizedAccuracy(linearizations(inst, early.params, test), p.eta, steps - o.linearizeAt),
      };
    });
  }
  return { lambda0: inst.lambdaNtk0, points, source, inputDim: inst.data.X.shape[1] };
}

function setupText(o: Fig4Options, d: Fig4Data, full: boolean): string {
  return (
    `One hidden ReLU layer of width ${o.width}, NTK parameterization, σ_w = √2, σ_b = 0, MSE on one-hot targets, full-batch GD on a balanced ` +
    `${o.trainSize}-image subset of ${d.source} (${d.inputDim} inputs${o.pool > 1 ? `, after ${o.pool}×${o.pool} average pooling rescaled to unit std` : ''}), ` +
    `test accuracy on ${o.testSize} balanced test images. λ0 = ${d.lambda0} on the training set (Lanczos), η_crit = 2/λ0 = ${fmt(2 / d.lambda0)}. ` +
    `Each run stops at training accuracy 1, or at physical time t·η = ${o.physTime} (ceil(${o.physTime}/η) steps), so runs are compared at equal physical time; ` +
    'the paper trains to accuracy 1 or 700k physical steps (MNIST, 512 images), which is out of reach of a CI-size run. ' +
    (full ? 'Paper-size options (`--full`).' : 'CI-friendly defaults; `--full` runs width 2048 on full-resolution images.')
  );
}

function accuracyRows(d: Fig4Data) {
  return d.points.map((p) => ({
    eta_lambda0: p.etaLambda0,
    eta: p.eta,
    diverged: String(p.diverged),
    steps: p.steps,
    train_accuracy: p.trainAccuracy,
    test_accuracy: p.testAccuracy,
    lin0_test_accuracy: p.lin0,
    lin10_test_accuracy: p.linT,
  }));
}
const COLUMNS = ['eta_lambda0', 'eta', 'diverged', 'steps', 'train_accuracy', 'test_accuracy', 'lin0_test_accuracy', 'lin10_test_accuracy'];

async function reportFig4(d: Fig4Data, o: Fig4Options, out: FigureOutput, run: RunSettings): Promise<void> {
  out.table('accuracy', COLUMNS, accuracyRows(d), { lambda0: d.lambda0, ...o });
  const { report } = out;
  const ok = d.points.filter((p) => !p.diverged);
  if (ok.length === 0) throw new Error('fig4: every run of the η grid diverged; lower the grid');
  const best = ok.reduce((a, b) => (b.testAccuracy > a.testAccuracy ? b : a));
  const bestLazy = Math.max(...ok.filter((p) => p.etaLambda0 < 2).map((p) => p.testAccuracy));
  report.check({
    quantity: 'η of the best test accuracy',
    paper: 'above η_crit = 2/λ0, close to η_max ≈ 12/λ0',
    measured: `η·λ0 = ${fmt(best.etaLambda0)} (test accuracy ${fmt(best.testAccuracy)}; best lazy run ${fmt(bestLazy)})`,
    pass: best.etaLambda0 > 2,
  });
  const unfinished = ok.filter((p) => p.trainAccuracy < 1);
  report.check({
    quantity: 'every run trained to training accuracy 1',
    paper: 'yes (or 700k physical steps)',
    measured: unfinished.length
      ? `${unfinished.length} of ${ok.length} runs stopped at t·η = ${o.physTime}, with training accuracy ${fmt(Math.min(...unfinished.map((p) => p.trainAccuracy)))}–${fmt(Math.max(...unfinished.map((p) => p.trainAccuracy)))}`
      : 'all did',
    pass: unfinished.length === 0,
  });
  report.text(setupText(o, d, run.full));
  await out.plot(
    'fig4_accuracy',
    {
      kind: 'line',
      title: 'test accuracy against η',
      xLabel: 'learning rate η',
      yLabel: 'accuracy',
      xLog: true,
      series: [
        { name: 'test accuracy', x: ok.map((p) => p.eta), y: ok.map((p) => p.testAccuracy), points: true },
        { name: 'training accuracy at the end', x: ok.map((p) => p.eta), y: ok.map((p) => p.trainAccuracy), points: true, dashed: true },
      ],
      vlines: [
        { at: 2 / d.lambda0, label: 'η_crit = 2/λ0' },
        { at: 12 / d.lambda0, label: '12/λ0' },
      ],
      bands: d.points.some((p) => p.diverged)
        ? [{ from: Math.min(...d.points.filter((p) => p.diverged).map((p) => p.eta)), to: Infinity, label: 'diverged' }]
        : [],
    },
    'Test accuracy (and the training accuracy reached) against η (log axis), with η_crit and 12/λ0 marked.',
  );
  report.heading('Runs').table(
    ['η·λ0', 'steps', 'train acc.', 'test acc.'],
    d.points.map((p) => [p.etaLambda0, p.steps, p.diverged ? 'diverged' : p.trainAccuracy, p.diverged ? '—' : p.testAccuracy]),
  );
}

async function reportFig6(d: Fig4Data, o: Fig4Options, out: FigureOutput, run: RunSettings): Promise<void> {
  out.table('accuracy', COLUMNS, accuracyRows(d), { lambda0: d.lambda0, ...o });
  const { report } = out;
  const cat = d.points.filter((p) => !p.diverged && p.etaLambda0 > 2 && p.etaLambda0 <= 4 && p.linT !== null);
  const gapT = Math.max(...cat.map((p) => Math.abs(p.linT! - p.testAccuracy)));
  const gap0 = Math.max(...cat.map((p) => (p.lin0 === null ? 1 : Math.abs(p.lin0 - p.testAccuracy))));
  report.check({
    quantity: `|test acc. of the model linearized at step ${o.linearizeAt} − network|, 2 < η·λ0 ≤ 4`,
    paper: 'tracks the network (agreement taken as ≤ 0.03)',
    measured: `max ${fmt(gapT)} over ${cat.length} η; linearized at step 0: ${cat.every((p) => p.lin0 === null) ? 'diverged at each of them' : `max ${fmt(gap0)}`}`,
    pass: cat.length > 0 && gapT <= 0.03,
  });
  const trained = d.points.filter((p) => !p.diverged);
  const lin0Div = trained.filter((p) => p.lin0 === null).map((p) => p.etaLambda0);
  const asLinear = trained.every((p) => p.etaLambda0 > 2 === (p.lin0 === null));
  report.check({
    quantity: 'the model linearized at step 0',
    paper: 'a linear model: converges for η < 2/λ0, diverges above',
    measured: lin0Div.length ? `diverged exactly at η·λ0 = ${lin0Div.map((x) => fmt(x)).join(', ')}` : 'never diverged',
    pass: asLinear,
  });
  report.text(setupText(o, d, run.full));
  report.text(
    `The linearized models f_lin(θ) = f(θ_t0) + J(θ_t0)(θ − θ_t0) are trained by full-batch GD at the same η through the engine's JVP (outputs) and VJP ` +
      '(gradient J(θ_t0)ᵀ(f_lin − y)/(km)), one of each per step, on the tape recorded at θ_t0; J is never formed. Test predictions use a second tape at θ_t0 on the test inputs.',
  );
  const ok = d.points.filter((p) => !p.diverged);
  const line = (name: string, pick: (p: Fig4Point) => number | null): Series => {
    const pts = ok.filter((p) => pick(p) !== null);
    return { name, x: pts.map((p) => p.eta), y: pts.map((p) => pick(p)!), points: true };
  };
  await out.plot(
    'fig6_linearized',
    {
      kind: 'line',
      title: 'test accuracy: network and linearized models',
      xLabel: 'learning rate η',
      yLabel: 'test accuracy',
      xLog: true,
      series: [
        line('network', (p) => p.testAccuracy),
        line('linearized at step 0', (p) => p.lin0),
        line(`linearized at step ${o.linearizeAt}`, (p) => p.linT),
      ],
      vlines: [
        { at: 2 / d.lambda0, label: '2/λ0' },
        { at: 4 / d.lambda0, label: '4/λ0' },
        { at: 12 / d.lambda0, label: '12/λ0' },
      ],
    },
    `Test accuracy against η for the network and for its linearizations at steps 0 and ${o.linearizeAt} (missing points diverged).`,
  );
  report.heading('Runs').table(
    ['η·λ0', 'network', 'linearized at 0', `linearized at ${o.linearizeAt}`],
    d.points.map((p) => [p.etaLambda0, p.diverged ? 'diverged' : p.testAccuracy, p.lin0 ?? 'diverged', p.linT ?? 'diverged']),
  );
}

/** fig4 and fig6 take the same options, so that fig6 reuses fig4's runs within one process. */
const FIG4_OPTIONS = {
  suite: 'nonlinear',
  defaults: FIG4_DEFAULTS,
  full: FIG4_FULL,
  overrides: seedAndWidth('width'),
  takesDataset: true,
} as const;

export const fig4: FigureSpec<Fig4Options, Fig4Data> = {
  id: 'fig4',
  title: 'Fig. 4: test accuracy against the learning rate',
  weight: 3,
  ...FIG4_OPTIONS,
  compute: (o, ctx) => computeFig4(o, false, ctx.progress),
  reportTitle: (o) => `Fig. 4: test accuracy against η, 1 hidden ReLU layer (width ${o.width})`,
  report: reportFig4,
};

export const fig6: FigureSpec<Fig4Options, Fig4Data> = {
  id: 'fig6',
  title: 'Fig. 6: linearized models after the catapult',
  weight: 6,
  ...FIG4_OPTIONS,
  compute: (o, ctx) => computeFig4(o, true, ctx.progress),
  reportTitle: (o) => `Fig. 6: the network and its linearizations at steps 0 and ${o.linearizeAt}`,
  report: reportFig6,
};
