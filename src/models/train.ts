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
import { makeOptimizer, optimizerSettings, paramRates } from './optimizers';
import { DEFAULT_FLOW_ALPHA, FlowState, flowProbe, flowStep } from './flows';
import type { StepRecord, TrainOptions, TrainResult } from './records';

export type { StepRecord, TrainHooks, TrainOptions, TrainResult } from './records';

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

/**
 * Runs GD from `init` (not modified), Adam or AdamW (`optimizer`), over the whole training set or minibatches (`batch`).
 * Record t holds the loss and λ at θ_t, before update t, on the whole training set (under SGD also the batch's loss and
 * rows); a run of S steps has S + 1 records unless it diverges or stops at convergence. `precision: 'dd'` runs it in
 * double-double (ddTrain.ts).
 */
export function train(model: Model, init: readonly Tensor[], data: Dataset, options: TrainOptions): TrainResult {
  const o = validate(model, init, data, options);
  if (o.precision === 'dd') return trainDd(model, init, data, o);
  const m = data.X.shape[0];
  // Drawn before anything is allocated: a batch larger than the data is refused here, with nothing to free.
  const rowsOf = o.batch === undefined ? null : minibatchRows(m, o.batch, o.batchSeed ?? 0);
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
  const params = init.map((p) => tensor(p.shape, copyF64(p.data)));
  const optimizer = makeOptimizer(
    optimizerSettings(o),
    params.map((p) => p.data.length),
  );
  const rates = paramRates(model, o);
  const flowState: FlowState = {};
  const records: StepRecord[] = [];
  let lambdaNtk0 = NaN,
    loss0 = NaN,
    peakLoss = -Infinity,
    convergedAt: number | null = null;
  let diverged: TrainResult['diverged'] = null,
    eigvec: Float64Array | undefined,
    finalLambda: number | null = null;
  let lambdaHessian0 = NaN,
    finalHessian: number | null = null,
    hessvec: Float64Array | undefined;

  // Under SGD the record reports the whole training set, from a pass of its own (unless the figures' batchLossOnly).
  const whole = rowsOf !== null && !o.batchLossOnly;
  const shape = model.config.inputShape;
  if (o.augment !== undefined && shape === undefined) throw new Error('--augment needs image inputs (--model cnn or wrn)');
  const fed = (rows: Int32Array | null, t: number) => {
    const rowsData = stepData(data, rows);
    return o.augment === undefined ? rowsData : augmentBatch(rowsData, shape!, o.augment, o.augmentSeed ?? 0, t);
  };
  const { lrAt, timeAt } = schedule(o);
  // λ (and the Hessian's top eigenvalue) of the recorded outputs and loss, or of one pass over a fixed subset when
  // `lambdaData` is given; each warm-started from its last eigenvector.
  const measure = (rec: StepRecord, f: Var, loss: Var) => {
    const pass = o.lambdaData ? forwardPass(model, params, o.lambdaData) : null;
    try {
      const m = ntkTop(pass?.f ?? f, eigvec);
      rec.lambda = finalLambda = m.value;
      eigvec = m.vector;
      if (o.trackHessian) {
        const h = hessianTop(pass?.loss ?? loss, hessvec);
        rec.hessian = finalHessian = h.value;
        hessvec = h.vector;
      }
    } finally {
      pass?.tape.dispose();
    }
  };

  for (let t = 0; t <= o.steps; t++) {
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
          lambdaNtk0 = rec.lambda!;
          lambdaHessian0 = rec.hessian ?? NaN;
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
      if (t === 0) loss0 = L;
      peakLoss = Math.max(peakLoss, L);
      if (convergedAt === null && L <= o.convergeFraction * loss0) convergedAt = t;
      if (whole && !last) rec.batchLoss = step.loss.value.data[0] + (o.l2 > 0 ? 0.5 * o.l2 * norm * norm : 0);
      keep(rec);
      o.onStep?.(rec);
      if (last) break;
      if ((convergedAt !== null && o.stopAtConvergence) || o.stopWhen?.(rec, records[records.length - 2])) {
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
  const phase = classifyPhase({ diverged: diverged !== null, convergedAt, peakLoss, loss0 });
  return { records, lambdaNtk0, loss0, peakLoss, convergedAt, diverged, phase, finalLambda, lambdaHessian0, finalHessian, params: kept };
}
