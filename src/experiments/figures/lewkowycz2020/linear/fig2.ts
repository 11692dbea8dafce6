// Fig. 2: the warmup model at n = 1000 — loss and λ_t against t·η in all three phases, and λ at t = 25/η against η.
import { DIVERGENCE_LOSS_TEXT } from '../../../../models';
import { fmt } from '../../../report/report';
import { agreeingDigits } from '../../../run/precision';
import { linspace } from '../../../report/stats';
import { Series } from '../../../report/plot';
import { Instance, RunSeries, etaLabel, gd, runSeries, warmupInstance } from '../../common';
import { FigureOutput, writeTrajectories } from '../../output';
import { FigureSpec, Progress, seedAndWidth } from '../../spec';

/** η·λ0 of the trajectories in panels (a) and (b): two lazy, four catapult, one divergent. */
export const FIG2_TRAJECTORIES = [1.0, 1.8, 2.4, 3.0, 3.6, 3.9, 4.1];

export interface Fig2Options {
  n: number;
  seed: number;
  /** Physical time t·η each trajectory of panels (a), (b) runs for. */
  horizon: number;
  /** Physical time shown in panels (a), (b). */
  plotHorizon: number;
  /** Panel (c)'s grid of η·λ0. */
  grid: number[];
  /** Extra steps after t = 25/η to tell divergence from convergence. */
  classifySteps: number;
}

export const FIG2_DEFAULTS: Fig2Options = {
  n: 1000,
  seed: 0,
  horizon: 1200,
  plotHorizon: 100,
  grid: linspace(0.1, 4.6, 91),
  classifySteps: 3000,
};

/** One run of panels (a), (b): its series (λ at every step) and how it ended. */
export interface Trajectory extends RunSeries {
  phase: string;
  divergedAt: number | null;
  convergedAt: number | null;
  peakLoss: number;
  finalLambda: number | null;
  /**
   * Digits of λ_final that float64 and the double-double rerun of the same trajectory share (agreeingDigits; at most
   * 15.95), null for a diverged run. The warmup model's dd step is cheap, so every trajectory is rerun.
   */
  finalLambdaDigits: number | null;
}

export interface LambdaAt25 {
  etaLambda0: number;
  eta: number;
  /** Step T = round(25/η) at which λ is read. */
  T: number;
  /** λ_T, null when the run diverged before T. */
  lambdaT: number | null;
  /** Outcome after T + classifySteps more steps. */
  diverged: boolean;
  divergedAt: number | null;
}

export interface Fig2Data {
  lambda0: number;
  loss0: number;
  trajectories: Trajectory[];
  sweep: LambdaAt25[];
}

function trajectory(inst: Instance, etaLambda0: number, horizon: number): Trajectory {
  const eta = etaLambda0 / inst.lambdaNtk0;
  const steps = Math.ceil(horizon / eta);
  const r = gd(inst, eta, { steps, eigEvery: 1 });
  // λ at the end only: it does not change the trajectory, and dd λ at every step would cost more than the run.
  const dd = r.diverged ? null : gd(inst, eta, { steps, eigEvery: 0, precision: 'dd' });
  return {
    ...runSeries(etaLambda0, eta, r),
    phase: r.phase,
    divergedAt: r.diverged?.step ?? null,
    convergedAt: r.convergedAt,
    peakLoss: r.peakLoss,
    finalLambda: r.finalLambda,
    finalLambdaDigits: r.finalLambda !== null && dd?.finalLambda != null ? agreeingDigits(r.finalLambda, dd.finalLambda) : null,
  };
}

function lambdaAt25(inst: Instance, etaLambda0: number, classifySteps: number): LambdaAt25 {
  const eta = etaLambda0 / inst.lambdaNtk0;
  const T = Math.max(1, Math.round(25 / eta));
  const r = gd(inst, eta, { steps: T, eigEvery: 0 });
  let divergedAt = r.diverged?.step ?? null;
  if (divergedAt === null) {
    // Continue from θ_T: some runs just above 4/λ0 blow up only after t = 25/η.
    const more = gd({ ...inst, init: r.params }, eta, { steps: classifySteps, eigEvery: 0, measureLambda: false, stopAtConvergence: true });
    if (more.diverged) divergedAt = T + more.diverged.step;
  }
  const rT = r.records[r.records.length - 1];
  return { etaLambda0, eta, T, lambdaT: r.diverged ? null : (rT.lambda ?? null), diverged: divergedAt !== null, divergedAt };
}

export function computeFig2(o: Fig2Options, progress: Progress = () => {}): Fig2Data {
  const inst = warmupInstance(o.n, o.seed);
  const total = FIG2_TRAJECTORIES.length + o.grid.length;
  const trajectories = FIG2_TRAJECTORIES.map((c, i) => {
    progress(i / total, etaLabel(c));
    return trajectory(inst, c, o.horizon);
  });
  const sweep = o.grid.map((c, i) => {
    progress((FIG2_TRAJECTORIES.length + i) / total, etaLabel(c));
    return lambdaAt25(inst, c, o.classifySteps);
  });
  return { lambda0: inst.lambdaNtk0, loss0: trajectories[0].loss[0], trajectories, sweep };
}

/** The first grid η that diverged, and the last one below it that did not. */
export function gridDivergenceEdge(sweep: readonly LambdaAt25[]): { lastStable: number; firstDiverged: number } | null {
  const i = sweep.findIndex((s) => s.diverged);
  if (i <= 0) return null;
  return { lastStable: sweep[i - 1].etaLambda0, firstDiverged: sweep[i].etaLambda0 };
}

async function reportFig2(d: Fig2Data, o: Fig2Options, out: FigureOutput): Promise<void> {
  const lam0 = d.lambda0;
  writeTrajectories(out, d.trajectories, { lambda0: lam0, n: o.n, seed: o.seed });
  out.table(
    'lambda_at_25',
    ['eta_lambda0', 'eta', 'T', 'lambda_T', 'diverged', 'diverged_at'],
    d.sweep.map((s) => ({
      eta_lambda0: s.etaLambda0,
      eta: s.eta,
      T: s.T,
      lambda_T: s.lambdaT,
      diverged: String(s.diverged),
      diverged_at: s.divergedAt,
    })),
    { lambda0: lam0, n: o.n, seed: o.seed },
  );
  const { report } = out;
  const edge = gridDivergenceEdge(d.sweep);
  const cat = d.trajectories.filter((t) => t.etaLambda0 > 2 && t.etaLambda0 < 4);
  const div = d.trajectories.filter((t) => t.etaLambda0 > 4);
  const lazyDrift = Math.max(
    ...d.sweep.filter((s) => s.etaLambda0 <= 1.8 && s.lambdaT !== null).map((s) => Math.abs(s.lambdaT! / lam0 - 1)),
  );
  report.check({
    quantity: 'λ at t = 25/η in the lazy phase (η·λ0 ≤ 1.8, every grid point)',
    paper: 'constant: λ = λ0 (up to O(1/n))',
    measured: `max |λ_T/λ0 − 1| = ${fmt(lazyDrift)}`,
    pass: lazyDrift <= 0.01,
  });
  for (const t of cat) {
    const fl = t.finalLambda ?? NaN;
    report.check({
      quantity: `catapult run, ${etaLabel(t.etaLambda0)}`,
      paper: 'loss rises above L0, then converges with λ_final < 2/η',
      measured: `peak loss ${fmt(t.peakLoss / t.loss[0])}·L0; ${t.convergedAt !== null ? `converged at t = ${t.convergedAt}` : 'not converged within the horizon'}; λ_final·η = ${fmt(fl * t.eta)}`,
      pass: t.peakLoss > t.loss[0] && t.convergedAt !== null && fl * t.eta < 2,
    });
  }
  for (const t of div) {
    report.check({
      quantity: `divergent run, ${etaLabel(t.etaLambda0)}`,
      paper: 'diverges (η > 4/λ0)',
      measured: t.divergedAt !== null ? `diverged at step ${t.divergedAt}` : 'did not diverge',
      pass: t.divergedAt !== null,
    });
  }
  report.check({
    quantity: 'edge of the divergent region on the η grid',
    paper: 'η_max = 4/λ0',
    measured: edge
      ? `between η·λ0 = ${fmt(edge.lastStable)} (stable) and ${fmt(edge.firstDiverged)} (diverged)`
      : 'no edge found on the grid',
    pass: edge !== null && edge.lastStable <= 4.0 + 1e-9 && edge.firstDiverged >= 4.0 - 0.06,
  });
  report.text(
    `Warmup model f = n^-1/2 vᵀu on the single sample x = 1, y = 0, n = ${o.n}, u, v ~ N(0, 1) from seed ${o.seed}. ` +
      `λ0 = ${lam0} by Lanczos on the engine's NTK matvec, so η_crit = 2/λ0 = ${fmt(2 / lam0)} and η_max = 4/λ0 = ${fmt(4 / lam0)} ` +
      `(the paper's n = 10³ has η_crit ≈ 1). L0 = ${fmt(d.loss0)}. λ_t is measured by Lanczos at every step.`,
  );

  const series = (key: 'loss' | 'lambda'): Series[] =>
    d.trajectories.map((tr) => ({
      name: `${etaLabel(tr.etaLambda0)} (${tr.phase === 'divergent' ? 'divergent' : tr.etaLambda0 < 2 ? 'lazy' : 'catapult'})`,
      x: tr.t.map((t) => t * tr.eta),
      y: tr[key],
    }));
  const bandFrom = edge ? edge.firstDiverged / lam0 : Infinity;
  await out.plot(
    'fig2a_loss',
    {
      kind: 'line',
      title: '(a) training loss',
      xLabel: 'physical time t·η',
      yLabel: 'loss',
      yLog: true,
      series: series('loss'),
      yDomain: [1e-12 * d.loss0, 1e6 * d.loss0],
      xDomain: [0, o.plotHorizon],
    },
    '(a) Loss against t·η. Lazy runs decay monotonically; catapult runs first rise, then converge; the divergent run leaves the plot.',
  );
  await out.plot(
    'fig2b_lambda',
    {
      kind: 'line',
      title: '(b) top NTK eigenvalue λ_t',
      xLabel: 'physical time t·η',
      yLabel: 'λ_t',
      series: series('lambda'),
      yDomain: [0, 2 * lam0],
      xDomain: [0, o.plotHorizon],
    },
    '(b) λ_t against t·η: constant in the lazy phase, dropping to below 2/η in the catapult phase, growing in the divergent one.',
  );
  const stable = d.sweep.filter((s) => s.lambdaT !== null && !s.diverged);
  await out.plot(
    'fig2c_lambda_vs_eta',
    {
      kind: 'line',
      title: '(c) λ at t = 25/η',
      xLabel: 'learning rate η',
      yLabel: 'λ(t = 25/η)',
      series: [{ name: 'measured λ_T', x: stable.map((s) => s.eta), y: stable.map((s) => s.lambdaT!), points: true }],
      vlines: [
        { at: 2 / lam0, label: '2/λ0' },
        { at: 4 / lam0, label: '4/λ0' },
      ],
      bands: Number.isFinite(bandFrom) ? [{ from: bandFrom, to: d.sweep[d.sweep.length - 1].eta, label: 'diverges' }] : [],
    },
    '(c) λ at t = 25/η against η. Shaded: the η of the grid that diverged. Dashed: 2/λ0 and 4/λ0.',
  );
  report.heading('Runs').table(
    ['η·λ0', 'η', 'phase', 'peak loss / L0', 'converged at', 'diverged at', 'λ_final·η', 'stable digits of λ_final'],
    d.trajectories.map((t) => [
      t.etaLambda0,
      t.eta,
      t.phase,
      t.peakLoss / t.loss[0],
      t.convergedAt ?? '—',
      t.divergedAt ?? '—',
      t.finalLambda === null || t.divergedAt !== null ? '—' : t.finalLambda * t.eta,
      t.finalLambdaDigits == null ? '—' : t.finalLambdaDigits.toFixed(1), // == null: also checkpoints made before the column
    ]),
  );
  report.text(
    'Stable digits: how many digits of λ_final the float64 run shares with a double-double rerun of the same trajectory ' +
      '(`--precision dd`, ≈ 32 digits; 15.9 means they agree to the last bit); the catapult amplifies rounding, so fewer ' +
      'digits survive it than a lazy run keeps. See docs/precision.md, *Which digits are right*.',
  );
  report.text(
    'Data: `trajectories.csv` (every step of panels a, b) and `lambda_at_25.csv` (panel c). ' +
      `Panel (c) reads λ at step T = round(25/η), then runs up to ${o.classifySteps} more steps to tell divergence (loss > ${DIVERGENCE_LOSS_TEXT}) from convergence.`,
  );
}

export const fig2: FigureSpec<Fig2Options, Fig2Data> = {
  id: 'fig2',
  title: 'Fig. 2: the warmup model in its three phases',
  suite: 'linear',
  weight: 1,
  defaults: FIG2_DEFAULTS,
  overrides: seedAndWidth('n'),
  compute: (o, ctx) => computeFig2(o, ctx.progress),
  reportTitle: (o) => `Fig. 2: the warmup model at n = ${o.n}`,
  report: reportFig2,
};
