// §2.2's full linear model on m random samples: the three phases, λ_final < 2/η, and the exact updates (S3)–(S4) against GD.
import { Tensor } from '../../../../linalg/tensor';
import { ntkDense } from '../../../../autodiff';
import { forwardPass } from '../../../../models';
import { fmt } from '../../../report/report';
import { LinearModelState, linearModelStep } from './theory';
import { Instance, RunSeries, etaLabel, gd, linearInstance } from '../../common';
import { FigureOutput, writeTrajectories } from '../../output';
import { FigureSpec, Progress, seedAndWidth } from '../../spec';

export interface FullOptions {
  n: number;
  /** Samples m and input dimension d (d ≥ m, so a zero-loss minimum exists). */
  m: number;
  d: number;
  seed: number;
  etaLambda0: number[];
  /** Step budget per run; runs stop once the loss is below `convergeFraction`·L0. */
  steps: number;
  convergeFraction: number;
  eigEvery: number;
  /** η·λ0 at which (S3)–(S4) are iterated beside GD, and for how many steps. */
  exactAt: number[];
  exactSteps: number;
}

export const FULL_DEFAULTS: FullOptions = {
  n: 1000,
  m: 8,
  d: 32,
  seed: 0,
  etaLambda0: [1.0, 1.8, 2.5, 3.0, 3.5, 4.2],
  steps: 6000,
  convergeFraction: 1e-20,
  eigEvery: 5,
  exactAt: [1.0, 3.0, 3.5],
  exactSteps: 200,
};

/** One run: its series (λ_t where measured, every eigEvery steps, else NaN) and how it ended. */
export interface FullRun extends RunSeries {
  phase: string;
  convergedAt: number | null;
  divergedAt: number | null;
  finalLambda: number | null;
  /** Whether L_{t+1} ≤ L_t at every step. */
  monotone: boolean;
  /** max_t |λ_t/λ0 − 1| over measured steps. */
  maxLambdaDrift: number;
}

export interface ExactCheck {
  etaLambda0: number;
  steps: number;
  /** Iterating (S3)–(S4) from the engine's state at t = 0: max_t ‖f_gd − f_eq‖∞ / max_{s≤t}‖f_s‖∞, same for Θ. */
  fError: number;
  thetaError: number;
  /** One step of (S3)–(S4) from the engine's state at every t (no accumulation), same normalisation. */
  fStepError: number;
  thetaStepError: number;
}

export interface FullData {
  lambda0: number;
  loss0: number;
  runs: FullRun[];
  exact: ExactCheck[];
  /** The lazy drift max|λ_t/λ0 − 1| at the largest lazy η·λ0, for other sample counts m (d = 4m). */
  driftVsM: { m: number; d: number; etaLambda0: number; drift: number }[];
}

function runOne(inst: Instance, c: number, o: FullOptions): FullRun {
  const eta = c / inst.lambdaNtk0;
  const r = gd(inst, eta, { steps: o.steps, eigEvery: o.eigEvery, stopAtConvergence: true, convergeFraction: o.convergeFraction });
  const loss = r.records.map((x) => x.loss);
  const lambda = r.records.map((x) => x.lambda ?? NaN);
  let monotone = true;
  for (let t = 1; t < loss.length; t++) if (loss[t] > loss[t - 1]) monotone = false;
  const drift = Math.max(...lambda.filter(Number.isFinite).map((l) => Math.abs(l / inst.lambdaNtk0 - 1)));
  return {
    etaLambda0: c,
    eta,
    t: r.records.map((x) => x.t),
    loss,
    lambda,
    phase: r.phase,
    convergedAt: r.convergedAt,
    divergedAt: r.diverged?.step ?? null,
    finalLambda: r.diverged ? null : r.finalLambda,
    monotone,
    maxLambdaDrift: drift,
  };
}

/** f, Θ (dense, from the engine's VJPs) and |v|² at parameters θ. */
function engineState(inst: Instance, params: Tensor[]): LinearModelState {
  const { f } = forwardPass(inst.model, params, inst.data);
  const v = params[1].data;
  let vv = 0;
  for (let i = 0; i < v.length; i++) vv += v[i] * v[i];
  return { f: f.value.data.slice(), theta: ntkDense(f), vNorm2: vv };
}

const maxAbs = (x: Float64Array) => x.reduce((a, v) => Math.max(a, Math.abs(v)), 0);
const maxDiff = (x: Float64Array, y: Float64Array) => x.reduce((a, v, i) => Math.max(a, Math.abs(v - y[i])), 0);

/** Runs GD for `steps` and compares every step with (S3)–(S4), both iterated from t = 0 and one step at a time. */
export function exactUpdateCheck(inst: Instance, etaLambda0: number, steps: number): ExactCheck {
  const eta = etaLambda0 / inst.lambdaNtk0;
  const r = gd(inst, eta, { steps, eigEvery: 0, measureLambda: false, recordParams: true, convergeFraction: 1e-300 });
  const { m, d } = { m: inst.data.X.shape[0], d: inst.data.X.shape[1] };
  const n = inst.model.config.width,
    X = inst.data.X.data,
    y = inst.data.Y.data;
  const states = r.records.map((rec) =>
    engineState(
      inst,
      rec.params!.map((p, i) => ({ data: p, shape: inst.init[i].shape })),
    ),
  );
  let iter = states[0];
  let fScale = 0,
    thetaScale = 0,
    fError = 0,
    thetaError = 0,
    fStepError = 0,
    thetaStepError = 0;
  for (let t = 0; t < states.length; t++) {
    const s = states[t];
    fScale = Math.max(fScale, maxAbs(s.f));
    thetaScale = Math.max(thetaScale, maxAbs(s.theta));
    fError = Math.max(fError, maxDiff(s.f, iter.f) / fScale);
    thetaError = Math.max(thetaError, maxDiff(s.theta, iter.theta) / thetaScale);
    if (t > 0) {
      const one = linearModelStep(states[t - 1], X, y, m, d, n, eta);
      fStepError = Math.max(fStepError, maxDiff(s.f, one.f) / fScale);
      thetaStepError = Math.max(thetaStepError, maxDiff(s.theta, one.theta) / thetaScale);
    }
    iter = linearModelStep(iter, X, y, m, d, n, eta);
  }
  return { etaLambda0, steps: states.length - 1, fError, thetaError, fStepError, thetaStepError };
}

export function computeFull(o: FullOptions, progress: Progress = () => {}): FullData {
  const inst = linearInstance(o.n, o.m, o.d, o.seed, o.seed);
  const total = o.etaLambda0.length + o.exactAt.length;
  const runs = o.etaLambda0.map((c, i) => {
    progress(i / total, etaLabel(c));
    return runOne(inst, c, o);
  });
  const exact = o.exactAt.map((c, i) => {
    progress((o.etaLambda0.length + i) / total, `(S3)–(S4) at ${etaLabel(c)}`);
    return exactUpdateCheck(inst, c, o.exactSteps);
  });
  const cLazy = Math.max(...o.etaLambda0.filter((c) => c < 2));
  const driftVsM = [o.m / 2, o.m, o.m * 2].map((m) => {
    const r = runOne(linearInstance(o.n, m, 4 * m, o.seed, o.seed), cLazy, o);
    return { m, d: 4 * m, etaLambda0: cLazy, drift: r.maxLambdaDrift };
  });
  return { lambda0: inst.lambdaNtk0, loss0: runs[0].loss[0], runs, exact, driftVsM };
}

async function reportFull(d: FullData, o: FullOptions, out: FigureOutput): Promise<void> {
  const lam0 = d.lambda0;
  writeTrajectories(out, d.runs, { lambda0: lam0, n: o.n, m: o.m, d: o.d, seed: o.seed });
  out.table(
    'exact_updates',
    ['eta_lambda0', 'steps', 'f_error', 'theta_error', 'f_step_error', 'theta_step_error'],
    d.exact.map((e) => ({
      eta_lambda0: e.etaLambda0,
      steps: e.steps,
      f_error: e.fError,
      theta_error: e.thetaError,
      f_step_error: e.fStepError,
      theta_step_error: e.thetaStepError,
    })),
  );
  const { report } = out;
  for (const r of d.runs) {
    const peak = Math.max(...r.loss) / r.loss[0];
    if (r.etaLambda0 < 2) {
      report.check({
        quantity: `lazy run, ${etaLabel(r.etaLambda0)}`,
        paper: 'λ_t ≈ λ0 (within 1%), loss falls monotonically',
        measured: `max |λ_t/λ0 − 1| = ${fmt(r.maxLambdaDrift)}; ${r.monotone ? 'monotone' : 'NOT monotone'}; converged at ${r.convergedAt ?? '—'}`,
        pass: r.maxLambdaDrift <= 0.01 && r.monotone && r.convergedAt !== null,
      });
    } else if (r.etaLambda0 < 4) {
      const fl = (r.finalLambda ?? NaN) * r.eta;
      report.check({
        quantity: `catapult run, ${etaLabel(r.etaLambda0)}`,
        paper: `loss rises, converges (to < ${o.convergeFraction}·L0), λ_final < 2/η`,
        measured: `peak ${fmt(peak)}·L0; converged at ${r.convergedAt ?? '— (not within budget)'}; λ_final·η = ${fmt(fl)}`,
        pass: peak > 1 && r.convergedAt !== null && fl < 2,
      });
    } else {
      report.check({
        quantity: `divergent run, ${etaLabel(r.etaLambda0)}`,
        paper: 'diverges',
        measured: r.divergedAt !== null ? `diverged at step ${r.divergedAt}` : 'did not diverge',
        pass: r.divergedAt !== null,
      });
    }
  }
  for (const e of d.exact) {
    const worst = Math.max(e.fError, e.thetaError);
    report.check({
      quantity: `(S3)–(S4) iterated beside GD, ${etaLabel(e.etaLambda0)}, ${e.steps} steps`,
      paper: 'exact',
      measured: `f: ${fmt(e.fError)}, Θ: ${fmt(e.thetaError)} (relative to the running max)`,
      pass: worst <= 1e-12,
    });
  }
  report.text(
    `Linear model of §2.2 with u ∈ R^{n×d}, v ∈ R^n ~ N(0, 1) (seed ${o.seed}), inputs x ~ N(0, I_d) and labels y ~ N(0, 1) ` +
      `(data seed ${o.seed}, m = ${o.m} samples, d = ${o.d} ≥ m so that zero loss is reachable). λ0 = ${lam0} is the top eigenvalue of the empirical NTK ` +
      `by Lanczos on the engine's matvec J(Jᵀw). Runs stop once the loss is below ${o.convergeFraction}·L0 or after ${o.steps} steps; λ_t is measured every ${o.eigEvery} steps.`,
  );
  report.text(
    "(S3)–(S4) are closed in (f, Θ, |v|²): (S4) needs ζᵀuᵀuζ = (n/m)·f̃ᵀΘf̃ − |v|²ζᵀζ, and |v|² follows |v'|² = |v|² − 2η fᵀf̃/m + (η²/n)ζᵀuᵀuζ. " +
      "They are iterated from the engine's f0, Θ0 (dense, from VJP rows) and |v0|², and compared with GD's f_t and Θ_t at every step.",
  );
  const live = d.runs;
  await out.plot(
    'full_loss',
    {
      kind: 'line',
      title: 'loss of the linear model',
      xLabel: 'physical time t·η',
      yLabel: 'loss / L0',
      yLog: true,
      series: live.map((r) => ({
        name: `${etaLabel(r.etaLambda0)} (${r.phase})`,
        x: r.t.map((t) => t * r.eta),
        y: r.loss.map((l) => l / r.loss[0]),
      })),
      yDomain: [1e-22, 1e6],
    },
    'Loss / L0 against t·η for each run.',
  );
  await out.plot(
    'full_lambda',
    {
      kind: 'line',
      title: 'top NTK eigenvalue of the linear model',
      xLabel: 'physical time t·η',
      yLabel: 'λ_t · η',
      series: live.map((r) => {
        const idx = r.t.filter((_, i) => Number.isFinite(r.lambda[i]));
        return { name: `${etaLabel(r.etaLambda0)} (${r.phase})`, x: idx.map((t) => t * r.eta), y: idx.map((t) => r.lambda[t] * r.eta) };
      }),
      hlines: [
        { at: 2, label: 'λη = 2' },
        { at: 4, label: 'λη = 4' },
      ],
      yDomain: [0, 6],
      xDomain: [0, 200],
    },
    'λ_t·η against t·η: flat in the lazy phase; in the catapult phase it falls below 2 and training converges.',
  );
  report.heading('Runs').table(
    ['η·λ0', 'phase', 'peak loss / L0', 'converged at', 'diverged at', 'λ_final·η', 'max |λ_t/λ0 − 1|', 'monotone'],
    d.runs.map((r) => [
      r.etaLambda0,
      r.phase,
      Math.max(...r.loss) / r.loss[0],
      r.convergedAt ?? '—',
      r.divergedAt ?? '—',
      r.finalLambda === null ? '—' : r.finalLambda * r.eta,
      r.maxLambdaDrift,
      r.monotone ? 'yes' : 'no',
    ]),
  );
  report
    .heading('Lazy-phase drift of λ against the number of samples')
    .text(
      `The kernel moves by O(1/n) per unit of training in the lazy phase, with a constant that grows with m. At n = ${o.n} and ${etaLabel(d.driftVsM[0].etaLambda0)}:`,
    )
    .table(
      ['m', 'd', 'max |λ_t/λ0 − 1|'],
      d.driftVsM.map((r) => [r.m, r.d, r.drift]),
    );
  report.heading('(S3)–(S4) against GD').table(
    ['η·λ0', 'steps', 'f, iterated', 'Θ, iterated', 'f, one step', 'Θ, one step'],
    d.exact.map((e) => [e.etaLambda0, e.steps, e.fError, e.thetaError, e.fStepError, e.thetaStepError]),
  );
}

export const full: FigureSpec<FullOptions, FullData> = {
  id: 'full',
  title: '§2.2: the full linear model — phases and the exact updates (S3)–(S4)',
  suite: 'linear',
  weight: 1,
  defaults: FULL_DEFAULTS,
  overrides: seedAndWidth('n'),
  compute: (o, ctx) => computeFull(o, ctx.progress),
  reportTitle: (o) => `§2.2: the linear model f = n^-1/2 vᵀux at n = ${o.n}, m = ${o.m}, d = ${o.d}`,
  report: reportFull,
};
