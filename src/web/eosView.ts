// The Edge-of-stability view: GD's sharpness S_t against 2/η and its loss, then gradient flow from the same init overlaid; #result = summary.json.
import type { EosValues } from '../explore/params';
import {
  EOS_DATA_FILE,
  EOS_DATA_TEXT,
  EosRun,
  atEdge,
  edgeRatio,
  eosCliArgs,
  eosPlots,
  eosSetup,
  runEosFlow,
  runEosGd,
} from '../explore/eos';
import { toJson } from '../io/output';
import type { Dataset } from '../data/dataset';
import { afterPaint, byId, h } from './dom';
import { drawPlot } from './plots';
import { plotBoxes, setResult, setStatus, showCli, showVerdict, summaryTable } from './page';

/**
 * Runs GD and shows it, then (after a paint) the gradient flow over the same physical time, overlaid.
 *
 * @example
 * await showEos(state.values as EosValues);
 */
export async function showEos(v: EosValues): Promise<void> {
  // The page writes every edit into the URL at once: if it changed while GD's picture was painted, these values are
  // stale and the run of the new ones is already scheduled (or the new ones are invalid), so the flow is not run.
  const query = location.search;
  const s = eosSetup(v);
  const gd = runEosGd(s, v);
  setResult(toJson(gd.summary));
  showVerdictOf(gd);
  showCli(eosCliArgs(v, 'gd'), `the same run on the command line (${EOS_DATA_FILE} holds the data: docs/eos.md says how to write it)`);
  showTable(v, s.data, gd, null);
  await draw(gd, null);
  // The flow costs about as much again: GD's picture goes up first.
  await new Promise<void>((resolve) => afterPaint(resolve));
  if (location.search !== query) return;
  const flow = runEosFlow(s, v);
  showTable(v, s.data, gd, flow);
  await draw(gd, flow);
  setStatus('done');
}

function showVerdictOf(gd: EosRun): void {
  const s = gd.summary;
  const r = edgeRatio(s);
  const where = s.diverged_at !== null ? 'divergent' : atEdge(s) ? 'edge' : r !== null && r < 1 ? 'below' : 'above';
  const text =
    s.diverged_at !== null
      ? `GD diverged at step ${s.diverged_at} (${s.diverged_reason})`
      : `S·η/2 = ${Number(r!.toPrecision(4))} at step ${s.steps_run} (${where === 'edge' ? 'within 10 % of' : where} the edge S = 2/η)`;
  showVerdict(where, text);
}

function showTable(v: EosValues, data: Dataset, gd: EosRun, flow: EosRun | null): void {
  const s = gd.summary;
  const flowS = flow ? flow.rows[flow.rows.length - 1].sharpness : null;
  byId('extra').replaceChildren(
    h(
      'p',
      { class: 'hint' },
      `GD and gradient flow from one initialization: tanh mlp (standard parameterization, biases), ${EOS_DATA_TEXT}.`,
    ),
    summaryTable([
      ['η', s.eta],
      ['2/η', 2 / s.eta],
      ['S_0 (top Hessian eigenvalue)', s.hessian0],
      ['S_0·η/2', s.hessian0 === null ? null : (s.hessian0 * s.eta) / 2],
      ['GD: final S', s.final_hessian],
      ['GD: final S·η/2', edgeRatio(s)],
      ['GD: final loss', s.final_loss],
      ['flow: final S·η/2', flow === null ? 'running…' : flowS === null ? null : (flowS * s.eta) / 2],
      ['flow: final loss', flow ? flow.summary.final_loss : 'running…'],
      ['steps run', s.steps_run],
    ]),
    h('p', { class: 'hint', id: 'flow-cli' }, flow ? `gradient flow: catapult ${eosCliArgs(v, 'flow').join(' ')}` : ''),
    // The flow run's summary.json and the data, as JSON for tests and users (the data are what eos-chebyshev.npz holds).
    h('script', { type: 'application/json', id: 'flow-result' }, flow ? toJson(flow.summary) : 'null'),
    h('script', { type: 'application/json', id: 'eos-data' }, JSON.stringify({ X: Array.from(data.X.data), Y: Array.from(data.Y.data) })),
  );
}

async function draw(gd: EosRun, flow: EosRun | null): Promise<void> {
  const [sharp, loss] = plotBoxes(['plot-sharpness', 'plot-loss']);
  const [ps, pl] = eosPlots(gd, flow);
  await Promise.all([drawPlot(sharp, ps), drawPlot(loss, pl)]);
}
