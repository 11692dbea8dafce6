// `catapult train`, `ntk`, `hessian` and `phase-sweep`: runs from one initialization, and spectra at θ_0.
import * as path from 'path';
import {
  gaussNewtonMatvec,
  hessianDense,
  hessianTopEigenvalues,
  ntkDenseEigenvalues,
  ntkTopEigenvalues,
  parameterCount,
} from '../autodiff';
import { symmetricEigen } from '../linalg/eigen';
import { lanczosTop } from '../linalg/lanczos';
import { Values, pickValues } from '../options';
import {
  OPTIMIZER_RULES,
  SCHEDULE_OPTIONS,
  TRAIN_OPTIONS,
  TrainState,
  forwardPass,
  lambdaAt,
  optimizerSettings,
  schedule,
} from '../models';
import {
  CHECKPOINT_FILE,
  CHECKPOINT_OPTIONS,
  CsvAppender,
  SETUP_OPTIONS,
  Setup,
  clearCheckpoint,
  readCheckpoint,
  runIdentity,
  trajectoryColumns,
  trajectoryPrefix,
  writeCheckpoint,
  ensureDir,
  formatLr,
  formatSweepTable,
  parseLrGrid,
  phaseSweep,
  resolveRunLr,
  runTraining,
  saveParams,
  writeRun,
} from '../experiments';
import { setupFrom } from './setupFrom';
import { CRITICAL_OPTIONS, runCritical } from './critical';
import { defineCommand } from './command';
import { dense, lr, lrGrid, out, quiet, saveParams as saveParamsOption, top } from './options';
import { progress } from './progress';
import { SPIKE_OPTIONS, spikeRun, spikesRefusal } from './spikes';

/** Runs up to this many steps keep every record in memory (and get trajectory.json); longer ones stream only. */
export const KEPT_STEPS = 1_000_000;

/** The initialization's seed where it came from --seed (summary.json records null for --init). */
const seedOf = (o: Values<typeof SETUP_OPTIONS>) => (o.init ? null : o.seed);

const TRAIN_COMMAND_OPTIONS = {
  ...SETUP_OPTIONS,
  ...TRAIN_OPTIONS,
  ...SCHEDULE_OPTIONS,
  lr,
  out: out('output directory', 'out/train'),
  saveParams: saveParamsOption,
  quiet,
  ...CHECKPOINT_OPTIONS,
  ...SPIKE_OPTIONS,
};
type TrainCommandValues = Values<typeof TRAIN_COMMAND_OPTIONS>;

/** The options of `train` that do not change its numbers: a resume may give them otherwise (--steps only to grow). */
const NOT_NUMBERS: ReadonlySet<string> = new Set([
  'out',
  'saveParams',
  'quiet',
  'checkpointEvery',
  'resume',
  'steps',
  ...Object.keys(SPIKE_OPTIONS),
]);

/**
 * trajectory.csv and the checkpoints of a run: a fresh file (and no checkpoint left from another run), or with
 * --resume the checkpoint's state and the rows before its step, the file cut there to be appended to.
 */
function checkpointing(o: TrainCommandValues, s: Setup, columns: string[], keepRows: boolean) {
  const file = path.join(o.out, 'trajectory.csv');
  const numbers = Object.entries(TRAIN_COMMAND_OPTIONS).filter(([k]) => !NOT_NUMBERS.has(k));
  // η as typed (1.5x, 0.5), so that a refusal names it as the command line had it.
  const value = (k: string) => (k === 'lr' ? formatLr(o.lr) : o[k as keyof TrainCommandValues]);
  const id = runIdentity(Object.fromEntries(numbers.map(([k, d]) => [d.flag, value(k)])), s);
  let resume: TrainState | undefined;
  let prefix: ReturnType<typeof trajectoryPrefix> | undefined;
  clearCheckpoint(o.out, { fresh: !o.resume });
  if (o.resume) {
    const settings = optimizerSettings(o);
    const shape = { slots: OPTIMIZER_RULES[settings.name].slots(settings), outputs: s.data.Y.data.length };
    resume = readCheckpoint(o.out, s.model, id, { ...shape, steps: o.decayAt === undefined ? o.steps : undefined });
    prefix = trajectoryPrefix(file, columns, resume.step, keepRows);
  }
  const csv = new CsvAppender(file, columns, prefix?.bytes);
  const every = o.checkpointEvery;
  // The rows before the checkpoint's step go to disk first: a resume from it needs them all.
  const save = (state: TrainState) => {
    csv.sync();
    writeCheckpoint(o.out, s.model, state, id);
  };
  return { csv, resume, earlier: prefix?.rows, checkpoint: every === undefined ? undefined : { every, save } };
}

export const train = defineCommand({
  name: 'train',
  summary: 'GD from one initialization; writes trajectory.csv/json and summary.json to --out',
  options: TRAIN_COMMAND_OPTIONS,
  run(o, ctx) {
    if (ctx.given.has('steps') && o.decayAt !== undefined)
      throw new Error('--steps and --decay-at both set the run length; use one of them');
    const s = setupFrom(o, ctx);
    const refusal = o.spikes ? spikesRefusal(o, ctx.given, s.model.config.loss ?? 'mse') : null;
    if (refusal !== null) throw new Error(refusal);
    // The spike analysis needs η before the run (a spike is analysed when it ends): λ0 is then measured here, once.
    const lambda0 = o.spikes ? lambdaAt(s.model, s.init, s.data) : undefined;
    const spikes = lambda0 === undefined ? null : spikeRun(o, s, resolveRunLr(s, o.lr, lambda0).eta);
    ensureDir(o.out);
    // With --decay-at the length depends on η, known here only for an absolute η (for Cx it waits for λ0).
    const steps = o.decayAt === undefined ? o.steps : o.lr.unit === 'abs' ? schedule({ ...o, lr: o.lr.value }).steps : 0;
    // trajectory.csv is written as the run goes (an interruption keeps every step); past KEPT_STEPS the records are not
    // kept in memory, so trajectory.json (which would hold them all) is not written.
    const allRecords = steps <= KEPT_STEPS;
    const { csv, resume, earlier, checkpoint } = checkpointing(o, s, trajectoryColumns(o.batch !== undefined, o.flow), allRecords);
    if (resume) console.log(`resuming at step ${resume.step} from ${path.join(o.out, CHECKPOINT_FILE)}`);
    const bar = progress('train', steps, o.quiet);
    const { result, summary } = runTraining(
      s,
      {
        ...pickValues(TRAIN_OPTIONS, o),
        ...pickValues(SCHEDULE_OPTIONS, o),
        lr: o.lr,
        onStep: (r) => bar.update(r.t),
        trajectory: (row) => csv.row(row),
        keepRecords: allRecords,
        resume,
        checkpoint,
        watchParams: spikes?.watch,
      },
      seedOf(o),
      lambda0,
    );
    csv.close();
    bar.finish();
    writeRun(o.out, result, summary, { csv: true, allRecords, earlier });
    if (o.saveParams) saveParams(o.saveParams, s.model, result.params);
    spikes?.write(o.out, result.params);
    if (summary.hessian0 !== null) {
      const rel =
        summary.lr_reference === 'hessian'
          ? ` (η·λ_H0 = ${summary.eta * summary.hessian0}, which sets η for the ${summary.loss} loss)`
          : '';
      console.log(`loss Hessian top eigenvalue λ_H: ${summary.hessian0} at step 0${rel}, ${summary.final_hessian ?? '—'} at the end`);
    }
    const verdict = result.diverged ? `diverged at step ${result.diverged.step} (${result.diverged.reason})` : summary.phase;
    console.log(
      `λ0 = ${summary.lambda0}, η = ${summary.eta} (η·λ0 = ${summary.eta_lambda0}): ${verdict}; ` +
        `peak loss ${summary.peak_loss}, final loss ${summary.final_loss}, final λ = ${summary.final_lambda ?? '—'}`,
    );
    for (const [what, m] of [
      ['train', summary.train_metrics],
      ['test', summary.test_metrics],
    ] as const) {
      if (m) console.log(`${what}: loss ${m.loss}, accuracy ${m.accuracy}, mean margin ${m.meanMargin}, min margin ${m.minMargin}`);
    }
    console.log(
      `wrote ${path.join(o.out, 'trajectory.csv')}, ${allRecords ? 'trajectory.json, ' : ''}summary.json` +
        (allRecords ? '' : ` (trajectory.json is not written for more than ${KEPT_STEPS} steps; trajectory.csv has every step)`),
    );
  },
});

/** `λ1 = … (residual …)  dense … rel. diff …` lines of ntk and hessian. */
function eigenLines(name: string, r: { values: ArrayLike<number>; residuals: ArrayLike<number> }, dense: ArrayLike<number> | null): void {
  Array.from(r.values).forEach((v, i) => {
    const d = dense ? `  dense ${dense[i]}  rel. diff ${Math.abs(v - dense[i]) / Math.abs(dense[0])}` : '';
    console.log(`${name}${i + 1} = ${v}  (residual ${r.residuals[i].toExponential(2)})${d}`);
  });
}

export const ntk = defineCommand({
  name: 'ntk',
  summary: 'top-K eigenvalues of the empirical NTK at initialization (Lanczos)',
  options: { ...SETUP_OPTIONS, top, dense: dense('also form the full NTK and compare') },
  run(o, ctx) {
    const s = setupFrom(o, ctx);
    const { f } = forwardPass(s.model, s.init, s.data);
    const r = ntkTopEigenvalues(f, o.top);
    console.log(
      `NTK of ${s.model.config.kind} (size ${f.value.data.length}), Lanczos: ${r.iterations} iterations, ${r.converged ? 'converged' : 'NOT converged'}`,
    );
    eigenLines('λ', r, o.dense ? ntkDenseEigenvalues(f) : null);
  },
});

export const hessian = defineCommand({
  name: 'hessian',
  summary: 'top-K eigenvalues of the loss Hessian at initialization (Lanczos on exact forward-over-reverse HVPs)',
  options: { ...SETUP_OPTIONS, top, dense: dense('also form the Hessian from one HVP per column and compare') },
  run(o, ctx) {
    const s = setupFrom(o, ctx);
    const { f, loss } = forwardPass(s.model, s.init, s.data);
    const P = parameterCount(loss),
      kind = s.model.config.loss ?? 'mse';
    const r = hessianTopEigenvalues(loss, o.top);
    console.log(
      `${kind} loss Hessian of ${s.model.config.kind} (${P} parameters), Lanczos: ${r.iterations} iterations, ${r.converged ? 'converged' : 'NOT converged'}`,
    );
    eigenLines('λ_H', r, o.dense ? symmetricEigen(P, hessianDense(loss), false).values.slice().reverse() : null);
    const lambda = ntkTopEigenvalues(f).values[0];
    if (kind === 'mse') {
      const gn = lanczosTop(gaussNewtonMatvec(f), P, { k: 1, tol: 1e-12 }).values[0];
      console.log(
        `Gauss–Newton part JᵀJ/(km): top eigenvalue ${gn}; NTK λ0 = ${lambda} (rel. diff ${(Math.abs(gn - lambda) / lambda).toExponential(2)})`,
      );
    } else {
      console.log(`NTK λ0 = ${lambda} (for ${kind} loss, GD stability is set by the Hessian: η_crit = 2/λ_H1 = ${2 / r.values[0]})`);
    }
  },
});

export const phaseSweepCommand = defineCommand({
  name: 'phase-sweep',
  summary: "train every η of a grid from one initialization; prints the phase table (--critical: Kalra & Barkeshli's critical c's)",
  options: { ...SETUP_OPTIONS, ...TRAIN_OPTIONS, lrs: lrGrid, ...CRITICAL_OPTIONS, out: out('output directory', 'out/phase-sweep'), quiet },
  defaults: { model: 'warmup', steps: 3000 },
  run(o, ctx) {
    if (o.critical) return runCritical(o, ctx);
    const lrs = parseLrGrid(o.lrs);
    const s = setupFrom(o, ctx);
    ensureDir(o.out);
    const bar = progress('phase-sweep', lrs.length, o.quiet);
    bar.update(0);
    const rows = phaseSweep(s, {
      lrs,
      seed: seedOf(o),
      outDir: o.out,
      run: { ...pickValues(TRAIN_OPTIONS, o), stopAtConvergence: false },
      onRun: (i, n, r) => bar.update(i, `η·λ0 = ${r.eta_lambda0.toFixed(3)}: ${r.phase}`),
    });
    bar.finish();
    const c = s.model.config;
    console.log(
      `${c.kind} model, width ${c.width}, ${s.data.source}; λ0 = ${rows[0]?.lambda0}, η_crit = 2/λ0 = ${2 / rows[0]?.lambda0}; ${o.steps} steps`,
    );
    console.log(formatSweepTable(rows));
    console.log(`wrote ${path.join(o.out, 'sweep.csv')}, sweep.json and runs/*/ (trajectory and summary per η)`);
  },
});
