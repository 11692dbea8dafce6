// Fig. 5 (a–d) and Fig. 1b: test accuracy against η of a CNN and a WRN, at a fixed number of SGD steps and at a fixed physical time with a decay.
import { fmt } from '../../../report/report';
import { ConvData, ConvNet, convInstance, describeNet, sgdAccuracy } from './convnets';
import { etaLabel, figureDataset } from '../../common';
import { FigureOutput } from '../../output';
import { FigureSpec, Progress, RunSettings } from '../../spec';

export interface AccuracyOptions extends ConvNet, ConvData {
  batch: number;
  l2: number;
  /** η·λ0 of the runs. */
  grid: number[];
  /** Panel "fixed steps": SGD steps at η. */
  steps: number;
  /**
   * Panel "fixed physical time" (0 skips it), in units of 1/λ0: ⌈physTime/(η·λ0)⌉ steps at η (t·η·λ0 = physTime, so the
   * run lengths do not depend on λ0), then finalSteps at η_f = finalEtaLambda0/λ0. The paper's 475/η is physTime = 475·λ0.
   */
  physTime: number;
  finalEtaLambda0: number;
  finalSteps: number;
  /** `--augment` items (flip, crop:P, mixup:α), or '' for none. */
  augment: string;
  /** What the paper's run took, for the report (its --full sizes are the paper's; hours are estimates). */
  paperNote: string;
}

export interface AccuracyPoint {
  etaLambda0: number;
  eta: number;
  fixedSteps: number | null;
  fixedTime: number | null;
  diverged: boolean;
}

export interface AccuracyData {
  lambda0: number;
  points: AccuracyPoint[];
  source: string;
  inputShape: number[];
}

export function computeAccuracy(o: AccuracyOptions, progress: Progress = () => {}): AccuracyData {
  const inst = convInstance(o, o);
  const sgd = { batch: o.batch, seed: o.seed, l2: o.l2, augment: o.augment };
  const points = o.grid.map((c, i): AccuracyPoint => {
    progress(i / o.grid.length, etaLabel(c));
    const a = sgdAccuracy(inst, c, { ...sgd, steps: o.steps });
    const b =
      o.physTime > 0
        ? sgdAccuracy(inst, c, {
            ...sgd,
            decayAt: o.physTime / inst.lambdaNtk0,
            finalLr: o.finalEtaLambda0 / inst.lambdaNtk0,
            finalSteps: o.finalSteps,
          })
        : null;
    return { etaLambda0: c, eta: a.eta, fixedSteps: a.accuracy, fixedTime: b?.accuracy ?? null, diverged: a.diverged };
  });
  return { lambda0: inst.lambdaNtk0, points, source: inst.source, inputShape: inst.inputShape };
}

async function reportAccuracy(d: AccuracyData, o: AccuracyOptions, out: FigureOutput, run: RunSettings, panels: string): Promise<void> {
  const lam0 = d.lambda0;
  out.table(
    'accuracy',
    ['eta_lambda0', 'eta', 'test_accuracy_fixed_steps', 'test_accuracy_fixed_time', 'diverged'],
    d.points.map((p) => ({
      eta_lambda0: p.etaLambda0,
      eta: p.eta,
      test_accuracy_fixed_steps: p.fixedSteps,
      test_accuracy_fixed_time: p.fixedTime,
      diverged: String(p.diverged),
    })),
    { lambda0: lam0, ...o },
  );
  const best = d.points.filter((p) => p.fixedSteps !== null).sort((a, b) => b.fixedSteps! - a.fixedSteps!)[0];
  if (best)
    out.report.check({
      quantity: `η of the best test accuracy after ${o.steps} steps`,
      paper: 'above η_crit = 2/λ0, at most ≈ 12/λ0 (up to 16, the band fig3 also counts as ≈ 12)',
      measured: `${etaLabel(best.etaLambda0)} (accuracy ${fmt(best.fixedSteps!)})`,
      pass: best.etaLambda0 > 2 && best.etaLambda0 <= 16,
    });
  const series = (key: 'fixedSteps' | 'fixedTime', name: string) => {
    const ok = d.points.filter((p) => p[key] !== null);
    return { name, x: ok.map((p) => p.eta), y: ok.map((p) => p[key]!), points: true };
  };
  const s = [series('fixedSteps', `${o.steps} steps`)];
  if (o.physTime > 0) s.push(series('fixedTime', `t·η·λ0 = ${o.physTime}, then ${o.finalSteps} steps at η_f·λ0 = ${o.finalEtaLambda0}`));
  await out.plot(
    'accuracy_vs_eta',
    {
      kind: 'line',
      title: `test accuracy against η (${panels})`,
      xLabel: 'learning rate η',
      yLabel: 'test accuracy',
      xLog: true,
      series: s,
      vlines: [
        { at: 2 / lam0, label: 'η_crit = 2/λ0' },
        { at: 12 / lam0, label: '12/λ0' },
      ],
    },
    `Test accuracy against the initial learning rate; dashed: η_crit = 2/λ0 = ${fmt(2 / lam0)} and 12/λ0 = ${fmt(12 / lam0)}.`,
  );
  out.report.text(
    `${describeNet(o)} on ${d.inputShape.join('×')} images: a balanced ${o.trainSize}-image training subset and ${o.testSize} test images of ${d.source}` +
      `${o.pool > 1 ? `, ${o.pool}×${o.pool} average-pooled and rescaled to unit std` : ''}. MSE on one-hot targets, SGD (no momentum) with batch ${o.batch}, ` +
      `L2 = ${o.l2}${o.augment ? `, augmentation ${o.augment}` : ''}; λ0 = ${lam0} on the first ${o.lambdaSamples} training images. ` +
      `${run.full ? 'Paper sizes (`--full`).' : 'CI size: a narrow net on a small subset, so the accuracies are far below the paper’s; `--full` runs the paper’s net and steps.'} ${o.paperNote}`,
  );
}

/** A Fig. 5-style spec for one net. */
function accuracyFigure(
  id: string,
  title: string,
  panels: string,
  defaults: AccuracyOptions,
  full: Partial<AccuracyOptions>,
): FigureSpec<AccuracyOptions, AccuracyData> {
  return {
    id,
    title,
    suite: 'convolutional',
    weight: 4,
    takesDataset: true,
    noWidth: 'the nets are set by --full or the defaults (channels, depth and widening)',
    defaults,
    full,
    overrides: (run) => ({ seed: run.seed, ...(run.dataset === undefined ? {} : { dataset: run.dataset }) }),
    compute: (o, ctx) => computeAccuracy(o, ctx.progress),
    reportTitle: (o) => `${title}: ${describeNet(o)} on ${figureDataset(o)}`,
    report: (d, o, out, run) => reportAccuracy(d, o, out, run, panels),
  };
}

/** The paper's CNN (SM A), with its channels as a parameter. */
export function paperCnn(c: number, last: number, dense: number): string {
  return `conv:${c},relu,conv:${c}:valid,relu,maxpool:2,conv:${c},relu,conv:${last}:valid,maxpool:2,flatten,dense:${dense},relu,dense:10`;
}

const GRID = [0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16];
const CI_DATA = { trainSize: 500, testSize: 500, lambdaSamples: 50, pool: 2, seed: 0 };

export const fig5ab = accuracyFigure(
  'fig5ab',
  'Fig. 5a,b: CNN test accuracy against η, at fixed steps and at fixed physical time with a decay',
  'Fig. 5a,b',
  {
    net: 'cnn',
    arch: paperCnn(16, 16, 32),
    depth: 1,
    widen: 1,
    param: 'standard',
    sigmaW: Math.SQRT2,
    sigmaB: 0.05,
    ...CI_DATA,
    batch: 50,
    l2: 0.001,
    grid: GRID,
    steps: 200,
    physTime: 200,
    finalEtaLambda0: 1,
    finalSteps: 100,
    augment: '',
    paperNote:
      'The paper: 320/320/320/128 channels, Dense(256), CIFAR-10, batch 256, 437k steps (a), 475/η steps then 50k at 2·10⁻⁵ (b); with its λ0 ≈ 2·10⁴ (η_crit ≈ 10⁻⁴) that is t·η·λ0 ≈ 475·2·10⁴ and η_f·λ0 ≈ 0.4, which `--full` uses. Days of GPU time there; months at float64 on this machine.',
  },
  {
    arch: paperCnn(320, 128, 256),
    trainSize: 50000,
    testSize: 10000,
    pool: 1,
    batch: 256,
    steps: 437000,
    physTime: 475 * 2e4,
    finalEtaLambda0: 0.4,
    finalSteps: 50000,
    dataset: 'cifar10:cifar-10-batches-bin',
  },
);

const WRN_CI: AccuracyOptions = {
  net: 'wrn',
  arch: '',
  depth: 10,
  widen: 1,
  param: 'standard',
  sigmaW: 1,
  sigmaB: 0,
  ...CI_DATA,
  trainSize: 240, // balanced subsets: multiples of the 10 classes
  testSize: 250,
  batch: 32,
  l2: 0.0005,
  grid: GRID,
  steps: 100,
  physTime: 100,
  finalEtaLambda0: 1,
  finalSteps: 50,
  augment: 'flip,crop:2',
  paperNote:
    'The paper: WRN-28-10 on CIFAR-10, batch 1024, L2 = 0.0005, flip/crop/mixup, 12k steps (c), 3360/η steps then 4800 at 0.035 (d); with λ0 ≈ 14 (η_crit ≈ 0.14), t·η·λ0 ≈ 3360·14 and η_f·λ0 ≈ 0.5 under `--full`. TPU-days there; at float64 on 2 cores, --full would take months.',
};
const WRN_FULL: Partial<AccuracyOptions> = {
  depth: 28,
  widen: 10,
  trainSize: 50000,
  testSize: 10000,
  pool: 1,
  batch: 1024,
  steps: 12000,
  physTime: 3360 * 14,
  finalEtaLambda0: 0.5,
  finalSteps: 4800,
  augment: 'flip,crop:4,mixup:0.2',
  dataset: 'cifar10:cifar-10-batches-bin',
};

export const fig5cd = accuracyFigure(
  'fig5cd',
  'Fig. 5c,d: WRN test accuracy against η, at fixed steps and at fixed physical time with a decay',
  'Fig. 5c,d',
  WRN_CI,
  WRN_FULL,
);

export const fig1b = accuracyFigure(
  'fig1b',
  'Fig. 1b: WRN test accuracy against η after a fixed number of steps',
  'Fig. 1b',
  { ...WRN_CI, physTime: 0 },
  { ...WRN_FULL, physTime: 0 },
);
