// The catapult lasts O(log n) steps: its duration at η·λ0 = 3 against the width n of the warmup model.
import { fmt } from '../../../report/report';
import { LineFit, linearFit, median } from '../../../report/stats';
import { Series } from '../../../report/plot';
import { Instance, gd, warmupInstance } from '../../common';
import { FigureOutput } from '../../output';
import { FigureSpec, Progress } from '../../spec';

export interface LognOptions {
  widths: number[];
  /** Seeds seed0 … seed0 + seeds − 1 at every width. */
  seeds: number;
  etaLambda0: number;
  /** Converged once the loss ≤ fraction·L0. */
  fraction: number;
  maxSteps: number;
  /** Time only the catapult clock (skips the longer run to convergence; peak and converge are then NaN). */
  catapultOnly?: boolean;
}

export const LOGN_DEFAULTS: LognOptions = { widths: [1e2, 1e3, 1e4, 1e5, 1e6], seeds: 5, etaLambda0: 3, fraction: 1e-6, maxSteps: 100000 };

/** Three clocks of one run. */
export interface Durations {
  /** First step with λ_t·η < 2: the curvature has been catapulted below 2/η (λ by Lanczos every step). */
  catapult: number;
  /** Step of the largest loss: the end of the growth phase. */
  peak: number;
  /** First step with loss ≤ fraction·L0. */
  converge: number;
}

export type Clock = keyof Durations;
export const CLOCKS: readonly Clock[] = ['catapult', 'peak', 'converge'];

export interface LognData {
  widths: number[];
  seeds: number;
  /** runs[i][s]: width i, seed s. */
  runs: Durations[][];
  medians: Record<Clock, number[]>;
  /** Least-squares fit of each median against ln n. */
  fits: Record<Clock, LineFit>;
}

/** Growth at |1 − η·λ0| per step from f0 to O(√n): log(√10)/log|1 − η·λ0| steps per decade of n. */
export function growthStepsPerDecade(etaLambda0: number): number {
  return (0.5 * Math.LN10) / Math.log(Math.abs(1 - etaLambda0));
}

export function durations(inst: Instance, o: LognOptions): Durations {
  const eta = o.etaLambda0 / inst.lambdaNtk0;
  const fail = (what: string) => new Error(`n = ${inst.model.config.width}: ${what} within ${o.maxSteps} steps`);
  // λ every step only until it drops below 2/η (a Lanczos solve per step is the costly part at n = 10⁶).
  const a = gd(inst, eta, {
    steps: o.maxSteps,
    eigEvery: 1,
    maxLoss: 1e300,
    convergeFraction: 1e-300,
    stopWhen: (r) => r.lambda! * eta < 2,
  });
  const last = a.records[a.records.length - 1];
  if (!(last.lambda! * eta < 2)) throw fail('λ·η did not fall below 2');
  if (o.catapultOnly) return { catapult: last.t, peak: NaN, converge: NaN };
  const b = gd(inst, eta, {
    steps: o.maxSteps,
    eigEvery: 0,
    measureLambda: false,
    stopAtConvergence: true,
    convergeFraction: o.fraction,
    maxLoss: 1e300,
  });
  if (b.convergedAt === null) throw fail('the loss did not converge');
  let peak = 0;
  b.records.forEach((r, t) => {
    if (r.loss > b.records[peak].loss) peak = t;
  });
  return { catapult: last.t, peak, converge: b.convergedAt };
}

export function computeLogn(o: LognOptions, seed0: number, progress: Progress = () => {}): LognData {
  const cost = o.widths.map((n) => n + 1e4); // a run's cost grows with n: weight the progress by it
  const total = cost.reduce((x, y) => x + y, 0) * o.seeds;
  let done = 0;
  const runs = o.widths.map((n, i) =>
    Array.from({ length: o.seeds }, (_, s) => {
      progress(done / total, `n = ${n}, seed ${seed0 + s}`);
      const d = durations(warmupInstance(n, seed0 + s), o);
      done += cost[i];
      return d;
    }),
  );
  const medians = Object.fromEntries(CLOCKS.map((c) => [c, runs.map((row) => median(row.map((r) => r[c])))])) as Record<Clock, number[]>;
  const lnN = o.widths.map(Math.log);
  const fits = Object.fromEntries(CLOCKS.map((c) => [c, linearFit(lnN, medians[c])])) as Record<Clock, LineFit>;
  return { widths: o.widths, seeds: o.seeds, runs, medians, fits };
}

const CLOCK_TEXT: Record<Clock, string> = {
  catapult: 'steps until λ_t·η < 2',
  peak: 'steps to the peak loss',
  converge: 'steps until loss ≤ 1e-6·L0',
};
const CLOCK_SHORT: Record<Clock, string> = { catapult: 'λ_t·η < 2', peak: 'peak loss', converge: 'loss ≤ 1e-6·L0' };

/** The figure's options: the study's, and the first seed of every width. */
export interface LognFigureOptions extends LognOptions {
  seed: number;
}

/** The study, and a 20-seed repeat up to n = 1e5 of it. */
export interface LognFigureData {
  main: LognData;
  more: LognData;
}

function computeLognFigure(o: LognFigureOptions, progress: Progress): LognFigureData {
  const main = computeLogn(o, o.seed, (f, note) => progress(0.8 * f, note));
  // A 20-seed repeat up to n = 1e5 shows how much of the convergence-time scatter is sampling noise.
  const wide = { ...o, widths: o.widths.filter((n) => n <= 1e5), seeds: 20 };
  const more = computeLogn(wide, o.seed, (f, note) => progress(0.8 + 0.2 * f, note));
  return { main, more };
}

async function reportLogn({ main, more }: LognFigureData, o: LognFigureOptions, out: FigureOutput): Promise<void> {
  const rows = (d: LognData) => d.widths.flatMap((n, i) => d.runs[i].map((r, s) => ({ seeds: d.seeds, n, seed: o.seed + s, ...r })));
  out.table('durations', ['seeds', 'n', 'seed', 'catapult', 'peak', 'converge'], [...rows(main), ...rows(more)], {
    eta_lambda0: o.etaLambda0,
    fraction: o.fraction,
  });
  const { report } = out;
  const perDecade = (f: LineFit) => f.slope * Math.LN10;
  const theory = growthStepsPerDecade(o.etaLambda0);
  const range = (d: LognData) => `n = ${fmt(d.widths[0])} … ${fmt(d.widths[d.widths.length - 1])}`;
  const cat = main.fits.catapult;
  report.check({
    quantity: `median ${CLOCK_TEXT.catapult} vs ln n (${main.seeds} seeds, ${range(main)})`,
    paper: 'linear in log n (R² ≥ 0.95)',
    measured: `${fmt(perDecade(cat), 3)} steps per decade, R² = ${fmt(cat.r2, 3)}`,
    pass: cat.slope > 0 && cat.r2 >= 0.95,
  });
  report.check({
    quantity: 'its slope',
    paper: `growth from f0 to √n at |1 − η·λ0| per step: ${fmt(theory, 3)} steps per decade`,
    measured: `${fmt(perDecade(cat), 3)} steps per decade`,
    pass: Math.abs(perDecade(cat) / theory - 1) <= 0.25,
  });
  for (const d of [main, more]) {
    const f = d.fits.converge;
    report.check({
      quantity: `median ${CLOCK_TEXT.converge} vs ln n (${d.seeds} seeds, ${range(d)})`,
      paper: 'linear in log n (R² ≥ 0.95)',
      measured: `${fmt(perDecade(f), 3)} steps per decade, R² = ${fmt(f.r2, 3)}`,
      pass: f.slope > 0 && f.r2 >= 0.95,
    });
  }
  report.text(
    `Warmup model at η = ${o.etaLambda0}/λ0, with λ0 from Lanczos for every (n, seed) and λ_t by Lanczos at every step. ` +
      'Each run is timed by three clocks: the step at which λ_t·η first falls below 2 (the curvature has been catapulted down and the loss can ' +
      `converge), the step of the peak loss, and the step at which the loss falls below ${o.fraction}·L0 (the issue's protocol). ` +
      `The growth phase takes log(√n/|f0|)/log|1 − η·λ0| steps, ${fmt(theory, 3)} per decade of n, and both catapult clocks follow it closely.`,
  );
  report.text(
    `**Why the convergence clock is noisy.** After the catapult, the loss decays at a rate set by where λ lands, and the landing ` +
      'depends on where the growth phase ends relative to the next factor of |1 − η·λ0|, i.e. on log|f0| mod log 2. Single seeds therefore ' +
      'scatter by about ±10 steps around a trend of about 5 steps per decade; a median over 5 seeds keeps roughly ±5 steps of that noise, which is ' +
      `comparable to the trend over four decades. The ${more.seeds}-seed repeat narrows it; the catapult clock does not have this problem.`,
  );
  const colors: Record<Clock, string> = { catapult: '#4c78a8', peak: '#54a24b', converge: '#f58518' };
  const series: Series[] = [
    {
      name: `single runs, ${CLOCK_SHORT.converge}`,
      x: more.widths.flatMap((n, i) => more.runs[i].map(() => n)),
      y: more.runs.flat().map((r) => r.converge),
      pointsOnly: true,
      color: '#bab0ac',
    },
  ];
  for (const c of CLOCKS) {
    series.push({ name: `${CLOCK_SHORT[c]}, median of ${main.seeds}`, x: main.widths, y: main.medians[c], points: true, color: colors[c] });
    series.push({
      name: `fit (${CLOCK_SHORT[c]}): R² = ${fmt(main.fits[c].r2, 3)}`,
      x: main.widths,
      y: main.widths.map((n) => main.fits[c].intercept + main.fits[c].slope * Math.log(n)),
      dashed: true,
      color: colors[c],
    });
  }
  series.push({
    name: `${CLOCK_SHORT.converge}, median of ${more.seeds}`,
    x: more.widths,
    y: more.medians.converge,
    points: true,
    color: '#b279a2',
  });
  await out.plot(
    'logn_durations',
    {
      kind: 'line',
      title: `duration of the catapult at η·λ0 = ${o.etaLambda0} against width`,
      xLabel: 'width n',
      yLabel: 'steps',
      xLog: true,
      series,
    },
    'Medians of the three clocks against n (log axis) with least-squares lines in ln n; grey: single runs of the convergence clock.',
  );
  report.heading('Medians').table(
    ['n', ...CLOCKS.map((c) => `${CLOCK_TEXT[c]} (${main.seeds} seeds)`), `loss clock (${more.seeds} seeds)`],
    main.widths.map((n, i) => [n, ...CLOCKS.map((c) => main.medians[c][i]), i < more.widths.length ? more.medians.converge[i] : '—']),
  );
}

export const logn: FigureSpec<LognFigureOptions, LognFigureData> = {
  id: 'logn',
  title: 'The catapult lasts O(log n) steps',
  suite: 'linear',
  weight: 1.2,
  defaults: { ...LOGN_DEFAULTS, seed: 0 },
  noWidth: 'its widths n = 10² … 10⁶ are the study',
  overrides: (run) => ({ seed: run.seed }),
  compute: (o, ctx) => computeLognFigure(o, ctx.progress),
  reportTitle: (o) => `The catapult lasts O(log n) steps (warmup model, η·λ0 = ${o.etaLambda0})`,
  report: reportLogn,
};
