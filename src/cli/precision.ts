// `catapult precision`: float64 against the double-double reference from one initialization; which digits of a run can be trusted.
import * as path from 'path';
import { DIGITS_LOST, PrecisionReport, SETUP_OPTIONS, ensureDir, precisionReport, toCsv, toJson, writeFileAtomic } from '../experiments';
import { int, omit, pickValues } from '../options';
import { TRAIN_OPTIONS } from '../models';
import { defineCommand } from './command';
import { lr, out } from './options';
import { setupFrom } from './setupFrom';

/** The training options a float64/dd comparison takes: not the precision (it runs both), not the Hessian (not in dd). */
const PRECISION_TRAIN_OPTIONS = omit(TRAIN_OPTIONS, 'precision', 'trackHessian');

const COLUMNS = ['t', 'rel_loss', 'rel_f', 'rel_lambda', 'rel_param_norm', 'rel_theta', 'digits', 'predicted_digits'];

/** precision.csv's rows: one per step. */
export function precisionRows(r: PrecisionReport) {
  return r.steps.map((s) => ({
    t: s.t,
    rel_loss: s.loss,
    rel_f: s.f,
    rel_lambda: Number.isNaN(s.lambda) ? undefined : s.lambda,
    rel_param_norm: s.paramNorm,
    rel_theta: s.theta,
    digits: s.digits,
    predicted_digits: s.predictedDigits,
  }));
}

const e2 = (x: number) => (Number.isFinite(x) ? x.toExponential(2) : Number.isNaN(x) ? '—' : String(x));
const rate = (x: number) => (Number.isFinite(x) ? `${x.toFixed(4)}/step` : '—');

export const precision = defineCommand({
  name: 'precision',
  summary: 'float64 vs the double-double reference from one initialization: per-step digits, a Lyapunov rate, a chaos flag',
  options: {
    ...SETUP_OPTIONS,
    ...PRECISION_TRAIN_OPTIONS,
    lr,
    tangentSeed: int({ flag: 'tangent-seed', arg: 'S', help: 'seed of the random errors of the tangent-linear model', min: 0, default: 0 }),
    out: out('output directory (precision.csv, precision.json)', 'out/precision'),
  },
  defaults: { steps: 200, eigEvery: 10 },
  refuses: {
    precision: 'it runs both float64 and dd',
    track: "only the NTK's λ is computed in dd",
  },
  notes:
    'Both runs start from the same initialization (its doubles, taken as exact) at the same η. The relative deviations\n' +
    'are |float64 − dd|/|dd| per step (f and θ on the step’s whole scale); digits = −log10 of the worst of loss, f, λ, ‖θ‖\n' +
    '(0 once a deviation reaches 100%). Past the edge of stability the float64 run depends on the backend (--backend).',
  run(o, ctx) {
    const s = setupFrom(o, ctx);
    ensureDir(o.out);
    const r = precisionReport(s, { ...pickValues(PRECISION_TRAIN_OPTIONS, o), lr: o.lr }, o.tangentSeed);
    writeFileAtomic(path.join(o.out, 'precision.csv'), toCsv(COLUMNS, precisionRows(r)));
    const { steps, ...summary } = r;
    writeFileAtomic(path.join(o.out, 'precision.json'), toJson({ ...summary, final: steps[steps.length - 1] }));
    const last = steps[steps.length - 1];
    const div = (what: string, at: number | null) => (at === null ? '' : `; ${what} diverged at step ${at}`);
    const ended = div('float64', r.diverged.float64) + div('dd', r.diverged.dd);
    console.log(
      `${s.model.config.kind} model, η = ${r.eta}, ${last.t} steps${ended}: float64 keeps ${last.digits.toFixed(1)} digits at the end (tangent-linear model: ${Number.isNaN(last.predictedDigits) ? 'not modelled for Adam' : last.predictedDigits.toFixed(1)})`,
    );
    console.log(
      `final relative deviations: loss ${e2(last.loss)}, f ${e2(last.f)}, λ ${e2(last.lambda)}, ‖θ‖ ${e2(last.paramNorm)}, θ ${e2(last.theta)}`,
    );
    console.log(
      DIGITS_LOST.map((k) => `${k} digits lost ${r.firstLost[k] === null ? 'never' : `first at step ${r.firstLost[k]}`}`).join('; '),
    );
    if (r.lyapunov) {
      const L = r.lyapunov;
      console.log(
        `exponential growth over steps ${L.from}–${L.to}: rate ${L.rate.toFixed(4)}/step (R² ${L.r2.toFixed(3)}, ${(L.rate / Math.LN10).toFixed(3)} digits/step); tangent-linear ${rate(r.tangentRate)}`,
      );
    } else console.log(`no exponential growth of the deviation; tangent-linear mean rate ${rate(r.tangentRate)}`);
    if (r.chaotic === null) console.log('chaotic: not modelled (the tangent-linear rounding model follows GD, not Adam)');
    else console.log(`chaotic: ${r.chaotic ? 'yes' : 'no'} (tangent-linear rate over the last third ${rate(r.tangentLateRate)})`);
    console.log(
      `time: float64 ${r.ms.float64.toFixed(0)} ms, dd ${r.ms.dd.toFixed(0)} ms (${(r.ms.dd / r.ms.float64).toFixed(1)}× slower)`,
    );
    console.log(`wrote ${path.join(o.out, 'precision.csv')} and precision.json`);
  },
});
