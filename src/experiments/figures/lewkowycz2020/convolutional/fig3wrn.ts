// Fig. 3d–f and S11: a WRN under SGD — early loss and λ_t, λ at t·η = 30 against η, and c_act = η_max·λ0 (standard or NTK parameterization).
import { fmt } from '../../../report/report';
import { train } from '../../../../models';
import { divergenceEdge, etaLabel, figureDataset, DivergenceEdge } from '../../common';
import { ConvData, ConvInstance, ConvNet, convInstance, describeNet } from './convnets';
import { FigureOutput, plotEarly, writeEarlyTable } from '../../output';
import { FigureSpec, Progress, RunSettings } from '../../spec';

export interface Fig3WrnOptions extends ConvNet, ConvData {
  batch: number;
  early: number[];
  earlySteps: number;
  grid: number[];
  physTime: number;
  cactScan: number[];
  relTol: number;
  minSteps: number;
}

export interface Fig3WrnData {
  lambda0: number;
  early: { etaLambda0: number; eta: number; loss: number[]; lambda: number[]; diverged: boolean }[];
  grid: { etaLambda0: number; eta: number; steps: number; lambda: number | null }[];
  cact: DivergenceEdge;
  source: string;
}

function sgd(inst: ConvInstance, c: number, o: Fig3WrnOptions, steps: number, measure: boolean) {
  return train(inst.model, inst.init, inst.data, {
    lr: c / inst.lambdaNtk0,
    steps,
    batch: o.batch,
    batchLossOnly: true,
    batchSeed: o.seed,
    lambdaData: inst.lambdaData,
    eigEvery: measure ? 1 : 0,
    measureLambda: measure,
  });
}

export function computeFig3Wrn(o: Fig3WrnOptions, progress: Progress = () => {}): Fig3WrnData {
  const inst = convInstance(o, o);
  const total = o.early.length + o.grid.length + 1;
  let done = 0;
  const tick = (note: string) => progress(done++ / total, note);
  const early = o.early.map((c) => {
    tick(`early ${etaLabel(c)}`);
    const r = sgd(inst, c, o, o.earlySteps, true);
    return {
      etaLambda0: c,
      eta: c / inst.lambdaNtk0,
      loss: r.records.map((x) => x.loss),
      lambda: r.records.map((x) => x.lambda ?? NaN),
      diverged: r.diverged !== null,
    };
  });
  const grid = o.grid.map((c) => {
    tick(`λ at t·η = ${o.physTime}, ${etaLabel(c)}`);
    const eta = c / inst.lambdaNtk0,
      steps = Math.ceil(o.physTime / eta);
    const r = train(inst.model, inst.init, inst.data, {
      lr: eta,
      steps,
      batch: o.batch,
      batchLossOnly: true,
      batchSeed: o.seed,
      lambdaData: inst.lambdaData,
      eigEvery: 0,
    });
    return { etaLambda0: c, eta, steps, lambda: r.diverged ? null : r.finalLambda };
  });
  tick('c_act');
  const cact = divergenceEdge(
    o.cactScan,
    (c) => sgd(inst, c, o, Math.max(o.minSteps, Math.ceil(o.physTime / (c / inst.lambdaNtk0))), false).diverged !== null,
    o.relTol,
    'c_act (WRN)',
  );
  return { lambda0: inst.lambdaNtk0, early, grid, cact, source: inst.source };
}

async function reportFig3Wrn(d: Fig3WrnData, o: Fig3WrnOptions, out: FigureOutput, run: RunSettings): Promise<void> {
  const lam0 = d.lambda0;
  writeEarlyTable(out, d.early, { lambda0: lam0, ...o });
  out.table('lambda_at_phys_time', ['eta_lambda0', 'eta', 'steps', 'lambda'], d.grid);
  out.report.check({
    quantity: 'c_act = η_max·λ0',
    paper: 'between 4 and ≈ 12 (the WRN of Fig. 3f diverges above ≈ 12/λ0; up to 16 counts as ≈ 12, as in fig3)',
    measured: `[${fmt(d.cact.edge.below)}, ${fmt(d.cact.edge.above)}]`,
    pass: d.cact.edge.below >= 4 && d.cact.edge.above <= 16,
  });
  for (const r of d.early.filter((x) => x.etaLambda0 > 2 && !x.diverged)) {
    const end = r.lambda.filter(Number.isFinite).pop() ?? NaN;
    out.report.check({
      quantity: `catapult run, ${etaLabel(r.etaLambda0)}: λ after ${o.earlySteps} steps`,
      paper: 'falls below 2/η',
      measured: `λ·η = ${fmt(end * r.eta)}`,
      pass: end * r.eta < 2,
    });
  }
  await plotEarly(
    out,
    d.early,
    { id: 'fig3d_loss', letter: 'd', caption: '(d) Minibatch loss over the first steps.' },
    { id: 'fig3e_lambda', letter: 'e', caption: '(e) λ_t over the first steps.' },
  );
  const ok = d.grid.filter((g) => g.lambda !== null);
  await out.plot(
    'fig3f_lambda_vs_eta',
    {
      kind: 'line',
      title: `(f) λ at t·η = ${o.physTime}`,
      xLabel: 'learning rate η',
      yLabel: `λ(t·η = ${o.physTime})`,
      xLog: true,
      series: [{ name: 'measured', x: ok.map((g) => g.eta), y: ok.map((g) => g.lambda!), points: true }],
      vlines: [
        { at: 2 / lam0, label: '2/λ0' },
        { at: 4 / lam0, label: '4/λ0' },
        { at: 12 / lam0, label: '12/λ0' },
      ],
      bands: [{ from: d.cact.edge.above / lam0, to: Infinity, label: 'diverges' }],
    },
    `(f) λ at t·η = ${o.physTime} against η; shaded: above the measured c_act.`,
  );
  out.report.text(
    `${describeNet(o)}, MSE on one-hot targets, SGD (no momentum, batch ${o.batch}) on a balanced ${o.trainSize}-image subset of ${d.source}` +
      `${o.pool > 1 ? ` (${o.pool}×${o.pool} average-pooled)` : ''}; λ on the first ${o.lambdaSamples} training images, λ0 = ${lam0}, η_crit = 2/λ0 = ${fmt(2 / lam0)}. ` +
      (run.full
        ? 'Paper sizes (`--full`): WRN-28-18 on CIFAR-10, batch 128 — weeks at float64 on this machine.'
        : 'CI size: WRN-10-1 on 14×14 Fashion-MNIST (the paper: WRN-28-18 on CIFAR-10, batch 128, σ_w = √2; `--full`). ') +
      `c_act: SGD for max(${o.minSteps}, ${o.physTime}/η) steps over η·λ0 ∈ {${o.cactScan.join(', ')}}, the first edge bisected to ${o.relTol}. ` +
      'Figure S11 is the same in NTK parameterization: `catapult figure figS11`.',
  );
}

export const FIG3WRN_DEFAULTS: Fig3WrnOptions = {
  net: 'wrn',
  arch: '',
  depth: 10,
  widen: 1,
  param: 'standard',
  sigmaW: Math.SQRT2,
  sigmaB: 0,
  trainSize: 120, // balanced subsets: a multiple of the 10 classes
  testSize: 0,
  lambdaSamples: 16,
  pool: 2,
  seed: 0,
  batch: 32,
  early: [0.5, 1.5, 3, 6],
  earlySteps: 10,
  grid: [1, 2, 3, 4, 6, 8, 12],
  physTime: 30,
  cactScan: [2, 4, 8, 12, 16, 24],
  relTol: 0.05,
  minSteps: 20,
};

export const fig3wrn: FigureSpec<Fig3WrnOptions, Fig3WrnData> = {
  id: 'fig3wrn',
  title: 'Fig. 3d–f (and S11): early dynamics of a Wide ResNet under SGD, λ at t·η = 30, c_act',
  suite: 'convolutional',
  weight: 4,
  takesDataset: true,
  noWidth: 'the net is set by --full or the defaults (WRN depth and widening)',
  defaults: FIG3WRN_DEFAULTS,
  full: { depth: 28, widen: 18, trainSize: 50000, lambdaSamples: 256, pool: 1, batch: 128, dataset: 'cifar10:cifar-10-batches-bin' },
  overrides: (run) => ({ seed: run.seed, ...(run.dataset === undefined ? {} : { dataset: run.dataset }) }),
  compute: (o, ctx) => computeFig3Wrn(o, ctx.progress),
  reportTitle: (o) => `Fig. 3d–f: ${describeNet(o)}, SGD on ${figureDataset(o)}`,
  report: reportFig3Wrn,
};

/** SM S11: the same experiment in NTK parameterization (h = σ_w/√fan_in · W ⋆ a), where λ0 no longer grows with the widening. */
export const figS11: FigureSpec<Fig3WrnOptions, Fig3WrnData> = {
  ...fig3wrn,
  id: 'figS11',
  title: 'SM S11: Fig. 3d–f in NTK parameterization (a WRN under SGD: early λ_t, λ at t·η = 30, c_act)',
  defaults: { ...FIG3WRN_DEFAULTS, param: 'ntk' },
};
