// What every view writes on the page: the status line, the #result JSON, a summary table and the CLI command of the run.
import { byId, fmt, h } from './dom';

export type Status = 'loading' | 'running' | 'done' | 'invalid' | 'error' | 'cancelled' | 'idle';

/** Sets the status tests wait on (body[data-status]); `done` also counts the run in body[data-runs]. */
export function setStatus(status: Status): void {
  document.body.dataset.status = status;
  if (status === 'done') document.body.dataset.runs = String(Number(document.body.dataset.runs ?? '0') + 1);
}

/** The current run's result, as JSON text in <script type="application/json" id="result"> (tests and users read it). */
export function setResult(json: string): void {
  byId('result').textContent = json;
}

/** The page-level error line (an unknown parameter, a run that threw); empty clears it. */
export function setPageError(message: string): void {
  byId('page-error').textContent = message;
}

/** The status line: a phase badge and a sentence. */
export function showVerdict(phase: string, text: string): void {
  const status = byId('status');
  status.replaceChildren(h('span', { class: `phase ${phase}`, id: 'phase' }, phase), ' ', h('span', { id: 'verdict' }, text));
}

/** Rows of label → number. */
export function summaryTable(rows: readonly [string, number | string | null][]): HTMLElement {
  return h(
    'table',
    { class: 'summary' },
    ...rows.map(([k, v]) => h('tr', {}, h('td', {}, k), h('td', {}, typeof v === 'string' ? v : fmt(v)))),
  );
}

/** The command line that makes the same run (its summary.json equals #result). */
export function showCli(args: readonly string[] | null, what = 'the same run on the command line'): void {
  byId('cli').textContent = args ? `${what}: catapult ${args.join(' ')}` : '';
}

/** One plot box per id, in order, emptied. */
export function plotBoxes(ids: readonly string[]): HTMLElement[] {
  const plots = byId('plots');
  const have = ids.map((id) => document.getElementById(id));
  if (have.every((e) => e !== null) && plots.children.length === ids.length) return have as HTMLElement[];
  const boxes = ids.map((id) => h('div', { id, class: 'plot' }));
  plots.replaceChildren(...boxes);
  return boxes;
}
