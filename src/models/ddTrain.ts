// GD in double-double: each step records the float64 tape from the dd parameters' high parts (for the graph) and evaluates it in dd.
import { Tensor, tensor } from '../linalg/tensor';
import * as D from '../linalg/dd/arith';
import { DdTensor, ddDot, ddFrom, ddGet, ddRound, ddSet, ddZeros } from '../linalg/dd/tensor';
import { ddLanczosTop } from '../linalg/dd/lanczos';
import { ddForward, ddNtkMatvec, ddVjp } from '../autodiff';
import type { Model } from './model';
import type { Dataset } from '../data/dataset';
import { forwardPass } from './forward';
import { ntkTop } from './spectra';
import { classifyPhase } from './phase';
import { makeDdOptimizer, optimizerSettings, paramRates } from './optimizers';
import { minibatchRows, stepData } from '../data/batches';
import { TrainSettings, schedule } from './trainOptions';
import type { StepRecord, TrainOptions, TrainResult } from './records';

/** What a dd step exposes beyond its record: the dd values themselves (for deviations below a double's resolution). */
export interface DdStepState {
  t: number;
  loss: D.DD;
  /** The outputs f (m×k) in dd. */
  f: DdTensor;
  lambda?: D.DD;
  params: readonly DdTensor[];
}

/** The options a dd run cannot honour, as one-line reasons. */
function refuseUnsupported(o: TrainOptions): void {
  const no = (flag: string, why: string) => {
    throw new Error(`--precision dd does not support ${flag}: ${why}`);
  };
  if (o.batchLossOnly) no('batch-loss-only records', 'the dd reference records the whole training set');
  if (o.augment !== undefined) no('--augment', 'the dd reference trains on the stored images');
  if (o.lambdaData !== undefined) no('a separate λ subset', 'λ is measured on the training set');
  if (o.trackHessian) no('--track hessian', "only the NTK's λ is computed in dd");
}

/** ‖θ‖₂ in dd over all parameters, rounded to the nearest double. */
function ddNorm(params: readonly DdTensor[]): D.DD {
  let s = D.DD_ZERO;
  for (const p of params) s = D.add(s, ddDot(p, p));
  return D.sqrt(s);
}

/** The high parts as float64 tensors: the point at which the float64 tape (the graph) is recorded. */
const hiParts = (params: readonly DdTensor[]): Tensor[] => params.map((p) => tensor(p.shape, p.hi.slice()));

/**
 * `train` in double-double (≈ 32 digits): the same records, each value the double nearest its dd value. The
 * initialization and the data are taken as exact. λ_t is dd Lanczos on dd NTK matvecs, warm-started from the
 * float64 eigenvector at the high parts (so its precision is set by the dd iteration, ≈ 1e-30 relative when the
 * top eigenvalue is separated, not by the float64 start).
 *
 * @example
 * const r = trainDd(model, init, data, { lr: 0.1, ...trainSettings({ steps: 50 }) });
 */
export function trainDd(
  model: Model,
  init: readonly Tensor[],
  data: Dataset,
  o: TrainOptions & TrainSettings,
  onDdStep?: (s: DdStepState) => void,
): TrainResult {
  refuseUnsupported(o);
  const m = data.X.shape[0];
  const rowsOf = o.batch === undefined ? null : minibatchRows(m, o.batch, o.batchSeed ?? 0);
  const params = init.map(ddFrom);
  const optimizer = makeDdOptimizer(
    optimizerSettings(o),
    params.map((p) => p.shape),
  );
  const rates = paramRates(model, o);
  // The schedule of --decay-at, as train follows it (η until the decay, then the final rate).
  const { lrAt } = schedule(o);
  const records: StepRecord[] = [];
  let lambdaNtk0 = NaN,
    loss0 = NaN,
    peakLoss = -Infinity,
    convergedAt: number | null = null,
    diverged: TrainResult['diverged'] = null,
    finalLambda: number | null = null,
    eigvec: Float64Array | undefined;
  const l2 = D.dd(o.l2);
  const withL2 = (L: D.DD, norm: D.DD) => (o.l2 > 0 ? D.add(L, D.mul(D.mulD(l2, 0.5), D.mul(norm, norm))) : L);
  for (let t = 0; t <= o.steps; t++) {
    const rows = rowsOf?.() ?? null;
    // The float64 tape of the whole training set gives the record; under SGD a second one, of the batch, the step.
    const { tape, f, loss } = forwardPass(model, hiParts(params), data);
    const rowsData = stepData(data, rows);
    const step = rowsData === data ? null : forwardPass(model, hiParts(params), rowsData);
    try {
      const values = ddForward(tape, params);
      const norm = ddNorm(params);
      const L = withL2(ddGet(values[loss.id], 0), norm);
      const rec: StepRecord = { t, loss: D.toNumber(L), paramNorm: D.toNumber(norm) };
      if (o.recordOutputs) rec.outputs = ddRound(values[f.id]).data;
      if (o.recordParams && t % (o.recordParamsEvery ?? 1) === 0) rec.params = params.map((p) => ddRound(p).data);
      const state: DdStepState = { t, loss: L, f: values[f.id], params };
      if (!Number.isFinite(rec.loss) || rec.loss > o.maxLoss || !Number.isFinite(rec.paramNorm)) {
        diverged = {
          step: t,
          reason: !Number.isFinite(rec.loss)
            ? 'loss is not finite'
            : rec.loss > o.maxLoss
              ? `loss ${rec.loss} exceeded ${o.maxLoss}`
              : 'parameter norm is not finite',
        };
        records.push(rec);
        o.onStep?.(rec);
        onDdStep?.(state);
        break;
      }
      const last = t === o.steps;
      const measure = () => {
        eigvec = ntkTop(f, eigvec).vector;
        const top = ddLanczosTop(ddNtkMatvec(tape, values, f.id), f.value.data.length, eigvec);
        state.lambda = top.value;
        rec.lambda = finalLambda = D.toNumber(top.value);
      };
      if (o.measureLambda !== false && (t === 0 || last || (o.eigEvery > 0 && t % o.eigEvery === 0))) {
        measure();
        if (t === 0) lambdaNtk0 = rec.lambda!;
      }
      if (t === 0) loss0 = rec.loss;
      peakLoss = Math.max(peakLoss, rec.loss);
      if (convergedAt === null && rec.loss <= o.convergeFraction * loss0) convergedAt = t;
      const stepPass = step ?? { tape, loss };
      const stepValues = step === null ? values : ddForward(step.tape, params);
      if (rows !== null && !last) rec.batchLoss = D.toNumber(withL2(ddGet(stepValues[stepPass.loss.id], 0), norm));
      records.push(rec);
      if (last) {
        o.onStep?.(rec);
        onDdStep?.(state);
        break;
      }
      // As train: a run that stops early gets λ at its last step (before the record is reported).
      if ((convergedAt !== null && o.stopAtConvergence) || o.stopWhen?.(rec, records[records.length - 2])) {
        if (rec.lambda === undefined && o.measureLambda !== false) measure();
        o.onStep?.(rec);
        onDdStep?.(state);
        break;
      }
      o.onStep?.(rec);
      onDdStep?.(state);
      if (rows !== null) rec.batch = rows;
      const one = ddZeros([]);
      one.hi[0] = 1;
      const grads = ddVjp(stepPass.tape, stepValues, stepPass.loss.id, one);
      if (o.l2 > 0) params.forEach((p, i) => addScaledDd(grads[i], o.l2, p));
      optimizer.step(
        params,
        grads,
        rates.map((a) => lrAt(t) * a),
      );
    } finally {
      tape.dispose();
      step?.tape.dispose();
    }
    if (o.keepRecords === false && records.length > 3) records.splice(1, 1);
  }
  const phase = classifyPhase({ diverged: diverged !== null, convergedAt, peakLoss, loss0 });
  return {
    records,
    lambdaNtk0,
    loss0,
    peakLoss,
    convergedAt,
    diverged,
    phase,
    finalLambda,
    lambdaHessian0: NaN,
    finalHessian: null,
    params: params.map(ddRound),
  };
}

/** g ← g + c·p elementwise in dd (the gradient of the L2 term (c/2)‖θ‖²). */
function addScaledDd(g: DdTensor, c: number, p: DdTensor): void {
  for (let i = 0; i < p.hi.length; i++) ddSet(g, i, D.add(ddGet(g, i), D.mulD(ddGet(p, i), c)));
}
