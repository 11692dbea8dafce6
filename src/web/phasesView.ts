// The Phases view: one training run per change of the inputs; loss and λ_t·η against t·η, the phase named, #result = summary.json.
import type { PhasesValues } from '../explore/params';
import { phasesCliArgs, phasesPlots, runPhases, summaryJson, verdict } from '../explore/phases';
import { byId } from './dom';
import { drawPlot } from './plots';
import { plotBoxes, setResult, setStatus, showCli, showVerdict, summaryTable } from './page';

/**
 * Runs and shows one `catapult train` run.
 *
 * @example
 * await showPhases(state.values as PhasesValues);
 */
export async function showPhases(v: PhasesValues): Promise<void> {
  const r = runPhases(v);
  const s = r.summary;
  setResult(summaryJson(s));
  const diverged = s.diverged_at !== null ? `${verdict(s)} (${s.diverged_reason}); ` : '';
  showVerdict(s.phase, `${diverged}η·λ0 = ${Number(s.eta_lambda0.toPrecision(6))}, the ${s.model.kind} model at n = ${s.model.width}`);
  const linear = s.model.kind !== 'mlp';
  byId('extra').replaceChildren(
    summaryTable([
      ['λ0', s.lambda0],
      ['η', s.eta],
      ['η·λ0', s.eta_lambda0],
      ['η_crit = 2/λ0', 2 / s.lambda0],
      [linear ? 'η_max = 4/λ0' : 'η_max (≈ 4/λ0 for linear models)', 4 / s.lambda0],
      ['predicted phase', s.predicted_phase ?? '— (mlp)'],
      ['peak loss', s.peak_loss],
      ['final loss', s.final_loss],
      ['final λ', s.final_lambda],
      ['final λ·η', s.final_lambda_eta],
      ['steps run', s.steps_run],
    ]),
  );
  showCli(phasesCliArgs(v));
  const [loss, lambda] = plotBoxes(['plot-loss', 'plot-lambda']);
  const [pl, pm] = phasesPlots(r);
  await Promise.all([drawPlot(loss, pl), drawPlot(lambda, pm)]);
  setStatus('done');
}
