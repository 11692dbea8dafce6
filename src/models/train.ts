// The optimizer loop: full-batch GD or minibatch SGD (optional momentum and L2), with λ_t by Lanczos and divergence detection.
import { Tensor, copyF64, tensor } from '../linalg/tensor';
import { freeF64, releaseF64 } from '../linalg/backend';
import { kernels } from '../linalg/kernels';
import { Var, vjp } from '../autodiff';
import type { Model } from './model';
import type { Dataset } from '../data/dataset';
import { forwardPass } from './forward';
import { minibatchRows, stepData } from '../data/batches';
import { ntkTop, hessianTop } from './spectra';
import { classifyPhase } from './phase';
import { SCHEDULE_OPTIONS, TrainSettings, schedule, trainSettings } from './trainOptions';
import { CatapultInputError, checkValues } from '../options';
import { checkTrainInputs } from './trainInputs';
import { augmentBatch } from '../data/augment';
import { checkRecordsFit } from './memory';
import { trainDd } from './ddTrain';
import { OPTIMIZER_RULES, makeOptimizer, optimizerSettings, paramRates } from './optimizers';
import { DEFAULT_FLOW_ALPHA, FlowState, flowProbe, flowStep } from './flows';
import type { StepRecord, TrainOptions, TrainResult } from './records';
import { TrainState, TrainTally, checkTrainState, freshTally } from './trainState';

export type { StepRecord, TrainHooks, TrainOptions, TrainResult } from './records';
export type { TrainState, TrainTally } from './trainState';

function paramNorm(params: readonly Tensor[]): number {
  let s = 0;
  for (const p of params) {
    const n = kernels.dnrm2(p.data.length, p.data, 1, 0);
    s += n * n;
  }
  return Math.sqrt(s);
}

/** The settings with defaults filled in, after the checks of the inputs, the declared checks and those of η and the hooks. */
function validate(model: Model, init: readonly Tensor[], data: Dataset, o: TrainOptions): TrainOptions & TrainSettings {
  checkTrainInputs(model, init, data, o);
  const check = (ok: boolean, field: string, msg: string) => {
    if (!ok) throw new CatapultInputError(field, msg);
  };
  check(typeof o.lr === 'number' && Number.isFinite(o.lr) && o.lr > 0, 'lr', `learning rate must be a finite number > 0, got ${o.lr}`);
  check(
    o.recordParamsEvery === undefined || (Number.isInteger(o.recordParamsEvery) && o.recordParamsEvery >= 1),
    'recordParamsEvery',
    `params-every must be an integer ≥ 1, got ${o.recordParamsEvery}`,
  );
  checkValues(SCHEDULE_OPTIONS, o);
  checkResumable(o, check);
  if (o.flow !== undefined) {
    // A flow integrates the full-batch loss itself: nothing that reshapes a GD step applies.
    const steppers = {
      batch: o.batch,
      optimizer: o.optimizer && o.optimizer !== 'gd' ? o.optimizer : undefined,
      momentum: o.momentum || undefined,
      l2: o.l2 || undefined,
    };
    const other = Object.entries({
      ...steppers,
      decayAt: o.decayAt,
      augment: o.augment,
      precision: o.precision === 'dd' ? 'dd' : undefined,
    }).find(([, v]) => v !== undefined);
    check(
      other === undefined,
      other?.[0] ?? 'flow',
      `--flow integrates full-batch float64 gradient or central flow; it does not take ${other?.[0]}`,
    );
    check(!o.stopAtConvergence && o.stopWhen === undefined, 'flow', '--flow: a run that stops early is not supported');
  }
  const settings = trainSettings(o);
  return { ...o, ...settings, steps: schedule({ ...settings, lr: o.lr }).steps };
}

/** The checkpoint hook's settings, and what a checkpoint or a resumed run cannot be combined with. */
function checkResumable(o: TrainOptions, check: (ok: boolean, field: string, msg: string) => void): void {
  const c = o.checkpoint;
  if (c !== undefined) {
    check(c !== null && typeof c === 'object' && typeof c.save === 'function', 'checkpoint', 'checkpoint must be { every, save }');
    check(Number.isInteger(c.every) && c.every >= 1, 'checkpoint', `checkpoint.every must be an integer ≥ 1, got ${c.every}`);
  }
  const field = o.resume !== undefined ? 'resume' : 'checkpoint';
  if (o.resume === undefined && c === undefined) return;
  check(o.precision !== 'dd', field, `${field}: the double-double reference (precision dd) has no checkpoints`);
  // stopWhen reads the record before, which a resumed run does not have at its first step.
  check(o.resume === undefined || o.stopWhen === undefined, 'resume', 'resume: a run with stopWhen cannot be resumed');
}

/** A copy of the state at the start of step t (see TrainState). */
function snapshot(
  t: number,
  lr: number,
  params: readonly Tensor[],
  optimizer: { slots(): Float64Array[][] },
  warm: { lambda?: Float64Array; hessian?: Float64Array; flow?: Float64Array },
  tally: TrainTally,
): TrainState {
  return {
    step: t,
    lr,
    params: params.map((p) => p.data.slice()),
    optimizer: optimizer.slots(),
    lambdaVector: warm.lambda?.slice(),
    hessianVector: warm.hessian?.slice(),
    flowVector: warm.flow?.slice(),
    tally: { ...tally },
  };
}

/**
 * Runs GD from `init` (not modified), Adam or AdamW (`optimizer`), over the whole training set or minibatches (`batch`).
 * Record t holds the loss and λ at θ_t, before update t, on the whole training set (under SGD also the batch's loss and
 * rows); a run of S steps has S + 1 records unless it diverges or stops at convergence. `precision: 'dd'` runs it in
 * double-double (ddTrain.ts). With `resume` it continues a run from a state its `checkpoint` hook was given, and its
 * records start at that state's step.
 */
export function train(model: Model, init: readonly Tensor[], data: Dataset, options: TrainOptions): TrainResult {
  const o = validate(model, init, data, options);
  if (o.precision === 'dd') return trainDd(model, init, data, o);
  const m = data.X.shape[0];
  // Drawn before anything is allocated: a batch larger than the data is refused here, with nothing to free.
  const rowsOf = o.batch === undefined ? null : minibatchRows(m, o.batch, o.batchSeed ?? 0);
  // Under SGD the record reports the whole training set, from a pass of its own (unless the figures' batchLossOnly).
  const whole = rowsOf !== null && !o.batchLossOnly;
  const settings = optimizerSettings(o);
  const from = o.resume;
  if (from !== undefined) {
    const measured = o.lambdaData?.X.shape[0] ?? (rowsOf === null || whole ? m : o.batch!);
    const sizes = init.map((p) => p.data.length);
    checkTrainState(from, {
      steps: o.steps,
      lr: o.lr,
      sizes,
      slots: OPTIMIZER_RULES[settings.name].slots(settings),
      outputs: measured * data.Y.shape[1],
    });
  }
  const start = from?.step ?? 0;
  // The batch stream is where the interrupted run left it: one draw per step before this one.
  for (let t = 0; t < start && rowsOf !== null; t++) rowsOf();
  const keptPerStep =
    8 *
    ((o.recordOutputs ? data.Y.data.length : 0) +
      (o.recordParams ? init.reduce((a, p) => a + p.data.length, 0) / (o.recordParamsEvery ?? 1) : 0));
  if (o.keepRecords !== false) checkRecordsFit(o.steps, keptPerStep);
  // Without keepRecords, drop the record before last once a new one arrives (stopWhen reads the previous one).
  const keep = (rec: StepRecord) => {
    records.push(rec);
    if (o.keepRecords === false && records.length > 3) records.splice(1, 1);
  };
  // Parameters live in kernel memory while training (no staging per gemm) and go back in JS memory.
  const params = init.map((p, i) => tensor(p.shape, copyF64(from?.params[i] ?? p.data)));
  const optimizer = makeOptimizer(
    settings,
    params.map((p) => p.data.length),
    from && { slots: from.optimizer, steps: from.step },
  );
  const rates = paramRates(model, o);
  const flowState: FlowState = { vector: from?.flowVector?.slice(), lastSharpness: from?.tally.flowSharpness ?? undefined };
  const records: StepRecord[] = [];
  const tally: TrainTally = from ? { ...from.tally } : freshTally();
  let diverged: TrainResult['diverged'] = null,
    eigvec: Float64Array | undefined = from?.lambdaVector?.slice(),
    hessvec: Float64Array | undefined = from?.hessianVector?.slice();
  const shape = model.config.inputShape;
  if (o.augment !== undefined && shape === undefined) throw new Error('--augment needs image inputs (--model cnn or wrn)');
  const fed = (rows: Int32Array | null, t: number) => {
    const rowsData = stepData(data, rows);
    return o.augment === undefined ? rowsData : augmentBatch(rowsData, shape!, o.augment, o.augmentSeed ?? 0, t);
  };
  const { lrAt, timeAt } = schedule(o);
  const views = params.map((p) => p.data);
  // λ (and the Hessian's top eigenvalue) of the recorded outputs and loss, or of one pass over a fixed subset when
  // `lambdaData` is given; each warm-started from its last eigenvector.
  const measure = (rec: StepRecord, f: Var, loss: Var) => {
    const pass = o.lambdaData ? forwardPass(model, params, o.lambdaData) : null;
    try {
      const m = ntkTop(pass?.f ?? f, eigvec);
      rec.lambda = tally.finalLambda = m.value;
      eigvec = m.vector;
      if (o.trackHessian) {
        const h = hessianTop(pass?.loss ?? loss, hessvec);
        rec.hessian = tally.finalHessian = h.value;
        hessvec = h.vector;
      }
    } finally {
      pass?.tape.dispose();
    }
  };

  for (let t = start; t <= o.steps; t++) {
    if (o.checkpoint !== undefined && t > start && t % o.checkpoint.every === 0) {
      const warm = { lambda: eigvec, hessian: hessvec, flow: flowState.vector };
      tally.flowSharpness = flowState.lastSharpness ?? null;
      o.checkpoint.save(snapshot(t, o.lr, params, optimizer, warm, tally));
    }
    const rows = rowsOf?.() ?? null;
    const step = forwardPass(model, params, fed(rows, t));
    const seen = whole ? forwardPass(model, params, data) : step;
    // The step's activations and gradients go back to the heap when the step ends, whichever way it ends.
    try {
      const { f, loss } = seen;
      let L = loss.value.data[0];
      const norm = paramNorm(params);
      if (o.l2 > 0) L += 0.5 * o.l2 * norm * norm;
      const rec: StepRecord = { t, loss: L, paramNorm: norm };
      if (o.decayAt !== undefined) rec.time = timeAt(t);
      if (o.recordOutputs) rec.outputs = f.value.data.slice();
      if (o.recordParams && t % (o.recordParamsEvery ?? 1) === 0) rec.params = params.map((p) => p.data.slice());
      o.watchParams?.(t, L, views, rows);
      if (!Number.isFinite(L) || L > o.maxLoss || !Number.isFinite(rec.paramNorm)) {
        diverged = {
          step: t,
          reason: !Number.isFinite(L)
            ? 'loss is not finite'
            : L > o.maxLoss
              ? `loss ${L} exceeded ${o.maxLoss}`
              : 'parameter norm is not finite',
        };
        keep(rec);
        o.onStep?.(rec);
        break;
      }
      const last = t === o.steps;
      if (o.measureLambda !== false && (t === 0 || last || (o.eigEvery > 0 && t % o.eigEvery === 0))) {
        measure(rec, f, loss);
        if (t === 0) {
          tally.lambdaNtk0 = rec.lambda!;
          tally.lambdaHessian0 = rec.hessian ?? NaN;
        }
      }
      if (o.flow !== undefined) {
        // After λ's measurement, which reads θ_t through this step's tape (the flow moves θ in place): the step's first
        // probe is S (and σ²) at θ_t, recorded before the record goes out.
        const settings = { kind: o.flow, alpha: o.flowAlpha ?? DEFAULT_FLOW_ALPHA, hMax: o.flowMaxStep ?? lrAt(t) };
        const probe = last
          ? flowProbe(model, params, data, lrAt(t), settings, flowState)
          : flowStep(model, params, data, lrAt(t), settings, flowState);
        rec.sigma2 = probe.sigma2;
        rec.sharpness = probe.sharpness;
      }
      if (t === 0) tally.loss0 = L;
      tally.peakLoss = Math.max(tally.peakLoss, L);
      if (tally.convergedAt === null && L <= o.convergeFraction * tally.loss0) tally.convergedAt = t;
      if (whole && !last) rec.batchLoss = step.loss.value.data[0] + (o.l2 > 0 ? 0.5 * o.l2 * norm * norm : 0);
      keep(rec);
      o.onStep?.(rec);
      if (last) break;
      if ((tally.convergedAt !== null && o.stopAtConvergence) || o.stopWhen?.(rec, records[records.length - 2])) {
        if (rec.lambda === undefined && o.measureLambda !== false) measure(rec, f, loss);
        break;
      }
      if (rows !== null) rec.batch = rows;
      if (o.flow !== undefined) continue;
      const grads = vjp(step.loss, Float64Array.of(1)),
        lr = lrAt(t);
      if (o.l2 > 0) params.forEach((p, i) => kernels.daxpy(p.data.length, o.l2, p.data, 1, 0, grads[i], 1, 0));
      optimizer.step(
        params.map((p) => p.data),
        grads,
        rates.map((a) => lr * a),
      );
      grads.forEach(freeF64);
    } finally {
      step.tape.dispose();
      if (seen !== step) seen.tape.dispose();
    }
  }
  const kept = params.map((p) => tensor(p.shape.slice(), releaseF64(p.data)));
  optimizer.free();
  const { lambdaNtk0, loss0, peakLoss, convergedAt, finalLambda, lambdaHessian0, finalHessian } = tally;
  const phase = classifyPhase({ diverged: diverged !== null, convergedAt, peakLoss, loss0 });
  return { records, lambdaNtk0, loss0, peakLoss, convergedAt, diverged, phase, finalLambda, lambdaHessian0, finalHessian, params: kept };
}
