// The reports of Figs. 4 and 6: which protocol ran, per-run and per-η tables, the seed-aware verdicts, and the plots.
import { fmt } from '../../../report/report';
import { Series } from '../../../report/plot';
import { figureDataset } from '../../common';
import type { Fig4Data, Fig4Options } from './fig4Options';
import { AccuracyKey, Fig4Run, GridSummary, RESOLVED_SE, meanText, phaseVerdict, summarizeGrid } from './fig4Stats';
import { FigureOutput } from '../../output';
import type { RunSettings } from '../../spec';

/** The paper's protocol (SM A, Fig. 4 caption), against which each report states what differs. */
const PAPER = { width: 2048, trainSize: 512, physTime: 700000, pool: 1, seedsAtLeast: 3 };

/** Exactly which protocol ran, and (for anything but the paper's) how it differs. */
export function protocolText(o: Fig4Options, run: RunSettings, inputDim: number): string {
  const differs = [
    o.width !== PAPER.width && `width ${o.width} instead of 2048`,
    o.trainSize !== PAPER.trainSize && `${o.trainSize} training images instead of 512`,
    o.pool !== 1 && `${o.pool}×${o.pool} average-pooled images (${inputDim} inputs, rescaled to unit std) instead of full resolution`,
    o.physTime !== PAPER.physTime &&
      `runs that have not reached training accuracy 1 stop at t·η = ${o.physTime} instead of 700k, so the slowest (smallest η, and the noisy largest η) may end short of accuracy 1`,
    o.seeds.length < PAPER.seedsAtLeast &&
      `${o.seeds.length} seed${o.seeds.length > 1 ? 's' : ''} (the full run takes ${PAPER.seedsAtLeast})`,
    o.centered === true &&
      'the network trained is f(θ) − f(θ0), the initial function removed (GD on f against the targets y + f(θ0); accuracies read off f − f(θ0)): a control the paper does not run',
  ].filter((x): x is string => typeof x === 'string');
  return (
    `**Protocol.** One hidden ReLU layer of width ${o.width}, NTK parameterization, σ_w = √2, σ_b = 0, MSE 1/(2km)Σ(f − y)² on one-hot targets, ` +
    `full-batch GD on ${o.trainSize} training images of ${figureDataset(o)} (${inputDim} inputs) until training accuracy 1 or t·η = ${o.physTime}; ` +
    `test accuracy on ${o.testSize} test images, disjoint from the training ones. Each seed s (${o.seeds.join(', ')}) draws its own class-balanced ` +
    `training and test subsets (the next-larger balanced subset's first ${o.trainSize} rows where ${o.trainSize} is not a multiple of the class count) ` +
    `and its own initialization, and measures its own λ0 (Lanczos on the training set); η = (η·λ0)/λ0 per seed, so the seeds are compared at equal η·λ0. ` +
    (differs.length === 0
      ? `This is the paper's protocol (SM A; width 2048 as in its Fig. 3, since SM A gives none for Fig. 4)${run.full ? ' (`--full`)' : ''}.`
      : `${run.full ? 'Paper-size options (`--full`) with changes' : 'CI-size defaults'}; against the paper's protocol (\`--full\`): ${differs.join('; ')}.`)
  );
}

const RUN_COLUMNS = [
  'seed',
  'eta_lambda0',
  'eta',
  'lambda0',
  'diverged',
  'steps',
  'train_accuracy',
  'test_accuracy',
  'lin0_test_accuracy',
  'lin10_test_accuracy',
];
const SUMMARY_COLUMNS = ['eta_lambda0', 'seeds', 'diverged', 'unfinished', 'mean', 'se', 'sd', 'min', 'max', 'binomial_se', 'mean_steps'];

function writeTables(d: Fig4Data, o: Fig4Options, out: FigureOutput, keys: AccuracyKey[]): void {
  out.table(
    'accuracy',
    RUN_COLUMNS,
    d.runs.map((r) => ({
      seed: r.seed,
      eta_lambda0: r.etaLambda0,
      eta: r.eta,
      lambda0: r.lambda0,
      diverged: String(r.diverged),
      steps: r.steps,
      train_accuracy: r.trainAccuracy,
      test_accuracy: r.testAccuracy,
      lin0_test_accuracy: r.lin0,
      lin10_test_accuracy: r.linT,
    })),
    o,
  );
  for (const key of keys) {
    const name = key === 'testAccuracy' ? 'summary' : `summary_${key === 'lin0' ? 'lin0' : 'lin10'}`;
    const rows = summarizeGrid(d.runs, o.grid, key, o.testSize).map((s) => ({
      eta_lambda0: s.etaLambda0,
      seeds: s.seeds,
      diverged: s.diverged,
      unfinished: s.unfinished,
      mean: s.mean,
      se: s.se,
      sd: s.sd,
      min: s.min,
      max: s.max,
      binomial_se: s.binomialSe,
      mean_steps: s.meanSteps,
    }));
    out.table(name, SUMMARY_COLUMNS, rows, { ...o, accuracy: key });
  }
}

function resumedText(d: Fig4Data, out: FigureOutput): void {
  if (d.resumed > 0)
    out.report.text(
      `${d.resumed} of the ${d.runs.length} runs were taken from runs.partial.json of an earlier, interrupted run with the same options.`,
    );
}

/** The phase verdict as checks: never a finding within RESOLVED_SE standard errors. */
function verdictChecks(rows: GridSummary[], testSize: number, out: FigureOutput): void {
  const v = phaseVerdict(rows);
  const { report } = out;
  const cat = v.bestCatapult,
    lazy = v.bestLazy;
  const said =
    v.outcome === 'catapult'
      ? `resolved: the catapult phase is better by ${fmt(v.z, 3)} standard errors`
      : v.outcome === 'lazy'
        ? `resolved the other way: the lazy phase is better by ${fmt(-v.z, 3)} standard errors`
        : `not resolved: the difference is ${fmt(v.z, 3)} standard errors, within ±${RESOLVED_SE}, so neither phase is shown better`;
  report.check({
    quantity: 'best mean test accuracy, catapult phase (2 < η·λ0 < 12) − lazy phase (η·λ0 < 2)',
    paper: 'positive: the best test accuracy lies in the catapult phase',
    measured:
      cat && lazy
        ? `catapult best ${meanText(cat)} at η·λ0 = ${cat.etaLambda0}, lazy best ${meanText(lazy)} at ${lazy.etaLambda0}; difference ${fmt(v.difference, 3)} ± ${fmt(v.differenceSe, 2)}, ${said}`
        : 'the grid lacks a non-divergent point in one of the phases',
    // Departs only when the data contradict the paper beyond the resolution; "not resolved" is said in the text, not counted as a departure.
    pass: cat !== null && lazy !== null && v.outcome !== 'lazy',
  });
  report.check({
    quantity: 'η·λ0 of the best mean test accuracy, and the points within 2 standard errors of it',
    paper: 'above η_crit = 2/λ0, close to η_max ≈ 12/λ0',
    measured: `best at η·λ0 = ${v.best.etaLambda0} (${meanText(v.best)}); within ${RESOLVED_SE} SE of it: η·λ0 ∈ {${v.tiedWithBest.join(', ')}}`,
    pass: v.tiedWithBest.some((c) => c > 2),
  });
  report.text(
    `**Verdict.** ${said[0].toUpperCase()}${said.slice(1)}. A grid point's standard error is the larger of the seeds' sd/√S and the binomial √(p(1−p)/(n·S)) ` +
      `on n = ${testSize} test images; a difference is called a finding only beyond ${RESOLVED_SE} standard errors. The best of several grid points is an ` +
      'optimistic estimate of its own accuracy (the maximum of noisy means), for both phases alike.',
  );
}

/** Mean ± SE and every seed's point, against η·λ0 (seeds have different λ0, so η·λ0 is the common axis). */
function accuracySeries(d: Fig4Data, rows: GridSummary[], key: AccuracyKey, name: string): Series[] {
  const ok = rows.filter((r) => Number.isFinite(r.mean));
  const x = ok.map((r) => r.etaLambda0);
  const seeds = d.runs.filter((r) => r[key] !== null);
  return [
    { name: `${name}, mean over seeds`, x, y: ok.map((r) => r.mean), points: true },
    { name: `${name}, mean + SE`, x, y: ok.map((r) => r.mean + r.se), dashed: true },
    { name: `${name}, mean − SE`, x, y: ok.map((r) => r.mean - r.se), dashed: true },
    { name: `${name}, each seed`, x: seeds.map((r) => r.etaLambda0), y: seeds.map((r) => r[key]!), pointsOnly: true },
  ];
}

const PHASE_LINES = [
  { at: 2, label: 'η_crit = 2/λ0' },
  { at: 12, label: 'η_max ≈ 12/λ0' },
];

function runsTable(d: Fig4Data, out: FigureOutput, linearized: boolean, o: Fig4Options): void {
  const acc = (r: Fig4Run, a: number | null) => (r.diverged ? 'diverged' : (a ?? 'diverged'));
  out.report.heading('Runs').table(
    [
      'seed',
      'η·λ0',
      'λ0',
      'steps',
      'train acc.',
      'test acc.',
      ...(linearized ? ['linearized at 0', `linearized at ${o.linearizeAt}`] : []),
    ],
    d.runs.map((r) => [
      r.seed,
      r.etaLambda0,
      r.lambda0,
      r.steps,
      acc(r, r.trainAccuracy),
      acc(r, r.testAccuracy),
      ...(linearized ? [acc(r, r.lin0), acc(r, r.linT)] : []),
    ]),
  );
}

export async function reportFig4(d: Fig4Data, o: Fig4Options, out: FigureOutput, run: RunSettings): Promise<void> {
  writeTables(d, o, out, ['testAccuracy']);
  const rows = summarizeGrid(d.runs, o.grid, 'testAccuracy', o.testSize);
  verdictChecks(rows, o.testSize, out);
  const { report } = out;
  const trained = d.runs.filter((r) => !r.diverged);
  const unfinished = trained.filter((r) => r.trainAccuracy! < 1);
  report.check({
    quantity: 'every run trained to training accuracy 1',
    paper: 'yes, or stopped at t·η = 700k',
    measured: unfinished.length
      ? `${unfinished.length} of ${trained.length} runs stopped at t·η = ${o.physTime} with training accuracy ${fmt(Math.min(...unfinished.map((r) => r.trainAccuracy!)))}–${fmt(Math.max(...unfinished.map((r) => r.trainAccuracy!)))} (at η·λ0 = ${[...new Set(unfinished.map((r) => r.etaLambda0))].sort((a, b) => a - b).join(', ')})`
      : 'all did',
    pass: unfinished.length === 0 || o.physTime >= PAPER.physTime,
  });
  report.text(protocolText(o, run, d.inputDim));
  resumedText(d, out);
  const firstDiverged = rows.find((r) => r.diverged > 0);
  await out.plot(
    'fig4_accuracy',
    {
      kind: 'line',
      title: 'test accuracy against η',
      xLabel: 'η·λ0',
      yLabel: 'test accuracy',
      xLog: true,
      series: accuracySeries(d, rows, 'testAccuracy', 'test accuracy'),
      vlines: PHASE_LINES,
      bands: firstDiverged ? [{ from: firstDiverged.etaLambda0, to: Infinity, label: 'some seed diverged' }] : [],
    },
    'Test accuracy against η·λ0 (log axis): the mean over seeds with ± one standard error (dashed), and each seed; η_crit = 2/λ0 and 12/λ0 marked.',
  );
  report.heading('Test accuracy by η·λ0').table(
    ['η·λ0', 'seeds (diverged)', 'mean ± SE', 'range', 'binomial SE of one run', 'runs short of train acc. 1', 'mean steps'],
    rows.map((r) => [
      r.etaLambda0,
      `${r.seeds} (${r.diverged})`,
      Number.isFinite(r.mean) ? `${fmt(r.mean, 4)} ± ${fmt(r.se, 2)}` : '—',
      Number.isFinite(r.mean) ? `${fmt(r.min, 4)}–${fmt(r.max, 4)}` : '—',
      r.binomialSe,
      r.unfinished,
      r.meanSteps,
    ]),
  );
  runsTable(d, out, false, o);
}

export async function reportFig6(d: Fig4Data, o: Fig4Options, out: FigureOutput, run: RunSettings): Promise<void> {
  writeTables(d, o, out, ['testAccuracy', 'lin0', 'linT']);
  const { report } = out;
  const cat = d.runs.filter((r) => !r.diverged && r.etaLambda0 > 2 && r.etaLambda0 <= 4);
  const net = summarizeGrid(d.runs, o.grid, 'testAccuracy', o.testSize);
  const linT = summarizeGrid(d.runs, o.grid, 'linT', o.testSize);
  const gaps = net
    .map((r, i) => ({ c: r.etaLambda0, gap: Math.abs(linT[i].mean - r.mean), se: Math.hypot(linT[i].se, r.se) }))
    .filter((g) => g.c > 2 && g.c <= 4);
  const worst = gaps.reduce((a, b) => (b.gap > a.gap || !Number.isFinite(b.gap) ? b : a), { c: NaN, gap: 0, se: 0 });
  report.check({
    quantity: `|mean test acc. of the model linearized at step ${o.linearizeAt} − network|, 2 < η·λ0 ≤ 4`,
    paper: 'tracks the network (agreement taken as ≤ 0.03)',
    measured: `max ${fmt(worst.gap)} (at η·λ0 = ${worst.c}, SE of the difference ${fmt(worst.se, 2)}) over ${gaps.length} η, ${cat.length} runs`,
    pass: gaps.length > 0 && gaps.every((g) => g.gap <= 0.03),
  });
  const trained = d.runs.filter((r) => !r.diverged);
  const lin0Div = [...new Set(trained.filter((r) => r.lin0 === null).map((r) => r.etaLambda0))];
  report.check({
    quantity: 'the model linearized at step 0, at every seed',
    paper: 'a linear model: converges for η < 2/λ0, diverges above',
    measured: lin0Div.length ? `diverged at η·λ0 = ${lin0Div.map((x) => fmt(x)).join(', ')}` : 'never diverged',
    pass: trained.every((r) => r.etaLambda0 > 2 === (r.lin0 === null)),
  });
  report.text(protocolText(o, run, d.inputDim));
  report.text(
    `The linearized models f_lin(θ) = f(θ_t0) + J(θ_t0)(θ − θ_t0) (t0 = 0 and ${o.linearizeAt}) are trained by full-batch GD at the same η, to training accuracy 1 or the network's step budget, ` +
      'in parameter space (one JVP for the outputs and one VJP for the gradient J(θ_t0)ᵀ(f_lin − y)/(km) a step, on the tape recorded at θ_t0; J is never formed) or, where the train NTK Θ = J Jᵀ fits in memory and the step budget repays building it, exactly in function space (r ← r − (η/(km))·Θr, θ − θ_t0 from one VJP at the end); the two agree to rounding. ' +
      'Test predictions use a second tape at θ_t0 on the test inputs.',
  );
  resumedText(d, out);
  const lin0 = summarizeGrid(d.runs, o.grid, 'lin0', o.testSize);
  const means = (rows: GridSummary[], name: string, dashed = false): Series => {
    const ok = rows.filter((r) => Number.isFinite(r.mean) && r.diverged === 0);
    return { name, x: ok.map((r) => r.etaLambda0), y: ok.map((r) => r.mean), points: true, dashed };
  };
  await out.plot(
    'fig6_linearized',
    {
      kind: 'line',
      title: 'test accuracy: network and linearized models',
      xLabel: 'η·λ0',
      yLabel: 'test accuracy (mean over seeds)',
      xLog: true,
      series: [means(net, 'network'), means(lin0, 'linearized at step 0', true), means(linT, `linearized at step ${o.linearizeAt}`, true)],
      vlines: [PHASE_LINES[0], { at: 4, label: '4/λ0' }, PHASE_LINES[1]],
    },
    `Mean test accuracy over seeds against η·λ0 for the network and its linearizations at steps 0 and ${o.linearizeAt} (points where some seed's model diverged are left out).`,
  );
  runsTable(d, out, true, o);
}
