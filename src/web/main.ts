// The explorer page: starts the engine on the embedded wasm kernels, reads the state from the URL, runs the view on every change.
import fma from 'catapult-wasm:fma';
import simd from 'catapult-wasm:simd';
import { startPageEngine } from '../explore/pageEngine';
import { DiagramValues, EosValues, PhasesValues, SurfaceValues, VIEW_NAMES, ViewName } from '../explore/params';
import { ViewState, carriedQuery, parseState, runnable, stateQuery } from '../explore/state';
import { VERSION } from '../experiments/run/version';
import { afterPaint, byId, h } from './dom';
import { buildControls } from './controls';
import { setPageError, setStatus } from './page';
import { showPhases } from './phasesView';
import { showSurface } from './surfaceView';
import { showDiagram } from './diagramView';
import { showEos } from './eosView';

const TITLES: Record<ViewName, string> = {
  phases: 'Phases',
  surface: 'Loss surface (Fig. S1)',
  diagram: 'Phase diagram',
  eos: 'Edge of stability',
};

/** How each view shows a valid state. */
const SHOW: Record<ViewName, (s: ViewState) => void | Promise<void>> = {
  phases: (s) => showPhases(s.values as PhasesValues),
  surface: (s) => showSurface(s.values as SurfaceValues),
  diagram: (s) => showDiagram(s.values as DiagramValues),
  eos: (s) => showEos(s.values as EosValues),
};

let state = parseState(location.search);
const texts = { ...state.texts };
let scheduled = false;

/** Runs the latest state once the browser has painted (edits that come in meanwhile coalesce into one run). */
function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setStatus('running');
  afterPaint(() => {
    scheduled = false;
    const s = state;
    Promise.resolve()
      .then(() => SHOW[s.view](s))
      .catch((e: unknown) => {
        setPageError(e instanceof Error ? e.message.split('\n')[0] : String(e));
        setStatus('error');
      });
  });
}

function boot(): void {
  const info = startPageEngine({ fma, simd });
  byId('engine').textContent = `${VERSION}, wasm ${info.flavor}, ${info.threads} thread, float64`;
  byId('tabs').append(
    ...VIEW_NAMES.map((v) => h('a', { href: `?view=${v}`, class: v === state.view ? 'current' : '', id: `tab-${v}` }, TITLES[v])),
  );
  document.title = `catapult explorer: ${TITLES[state.view]}`;
  const controls = buildControls(byId('controls'), state.view, texts, (key, text) => {
    texts[key] = text;
    history.replaceState(null, '', stateQuery(state.view, texts));
    state = parseState(location.search);
    update();
  });
  const update = () => {
    for (const v of VIEW_NAMES) byId(`tab-${v}`).setAttribute('href', carriedQuery(state, v));
    controls.showErrors(state.errors);
    controls.showApplicable(state.values);
    setPageError(state.errors._ ?? '');
    // While an input is bad the last run stays on the page, greyed: it is not the run the inputs describe.
    byId('output').classList.toggle('stale', !runnable(state));
    if (runnable(state)) schedule();
    else setStatus('invalid');
  };
  update();
}

try {
  boot();
} catch (e) {
  setPageError(`the engine did not start: ${e instanceof Error ? e.message : String(e)}`);
  setStatus('error');
}
