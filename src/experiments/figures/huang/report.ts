// Huang et al.'s report: the checks (catapult window, flatter minimum), the plots and the description of the study.
import type { Bracket } from '../../sweep/bisect';
import { Report, fmt } from '../../report/report';
import type { FigureOutput } from '../output';
import type { DataKind } from './options';
import { HuangRun, SETTLE_TOL, SETTLE_WINDOW, flatness } from './runs';
import { plots } from './plots';
import { HuangData, HuangSetting, allRuns } from './settings';
import { boundaryRows, runRows, trajectoryRows } from './tables';

const bracketText = (b: Bracket | null, none: string) => (b ? `[${fmt(b.below, 3)}, ${fmt(b.above, 3)}]` : none);

/** The boundaries of one setting in η·λ0/2 as text. */
function windowText(s: HuangSetting, grid: readonly number[]): string {
  const none = `none up to ${Math.max(...grid)}`;
  const empty = s.onset && s.edge && s.onset.above >= s.edge.below ? ' (no room between them)' : '';
  const holes = s.edge ? s.probes.filter((r) => r.phase === 'divergent' && r.etaUnits < s.edge!.below).length : 0;
  const gaps = holes ? ` (not monotone: ${holes} run(s) below it diverge)` : '';
  return `L = ${s.depth}: rise from ${bracketText(s.onset, none)}, divergence from ${bracketText(s.edge, none)}${empty}${gaps}, last settled grid η ${s.lastSettled ?? '—'}`;
}

/** What the runs inside the window did, and which run stands for the catapult. */
function probesText(s: HuangSetting): string {
  const c = s.catapult;
  const tried = s.probes.length
    ? `runs inside it: ${s.probes.map((r) => `${fmt(r.etaUnits, 4)} ${r.phase}`).join(', ')}`
    : 'no room for runs inside it';
  return `${tried}; catapult run ${c ? `${fmt(c.etaUnits, 4)}${s.probes.includes(c) ? '' : ' (grid)'}, peak ${fmt(c.peakLoss / c.loss0)}·L0 at step ${c.peakAt}` : 'none'}`;
}

function checkWindows(report: Report, d: HuangData, kind: DataKind): void {
  const ss = d.settings.filter((s) => s.kind === kind);
  report.check({
    quantity: `${kind} data: a catapult phase (loss rises above L0, then settles); boundaries in η·λ0/2`,
    paper: 'exists (Huang et al.), its range set by the separation of the data; for reference, MSE (Lewkowycz et al.): from 1 to 2',
    measured: ss.map((s) => `${windowText(s, d.options.grid)}; ${probesText(s)}`).join('; '),
    pass: ss.length > 0 && ss.every((s) => s.catapult?.phase === 'catapult'),
  });
}

/** The compared quantity of one run as text (separable: H, L and H/L at the stop, and the NTK's λ there). */
function flatText(kind: DataKind, r: HuangRun): string {
  if (r.finalHessian === null) return `${r.phase}`;
  if (kind !== 'separable') return `${fmt(r.finalHessian)} (H·η/2 = ${fmt((r.finalHessian * r.eta) / 2, 3)})`;
  const ratio = r.finalLoss > 0 ? fmt(r.finalHessian / r.finalLoss) : 'undefined (the loss underflowed to 0)';
  return `H/L = ${ratio} at L = ${fmt(r.finalLoss)}, step ${r.lastStep}; λ_NTK = ${fmt(r.finalNtk ?? NaN)}`;
}

/** The other settled catapult runs of a setting (grid and probes), so that the comparison does not rest on one chosen η. */
function otherCatapults(kind: DataKind, s: HuangSetting): string {
  const others = allRuns(s).filter((r) => r.phase === 'catapult' && r !== s.catapult);
  return others.length ? ` [other catapult runs: ${others.map((r) => `${fmt(r.etaUnits, 3)}: ${flatText(kind, r)}`).join(', ')}]` : '';
}

function checkFlatter(report: Report, d: HuangData, kind: DataKind): void {
  const ss = d.settings.filter((s) => s.kind === kind);
  const what = kind === 'separable' ? `H/L at the first step with L ≤ ${d.options.separableTarget}·L0` : 'final top Hessian eigenvalue H';
  const flatter = (s: HuangSetting) =>
    s.catapult !== null && s.catapult.phase === 'catapult' && flatness(kind, s.catapult) < flatness(kind, s.small);
  report.check({
    quantity: `${kind} data: ${what}, catapult run against η·λ0/2 = ${d.options.smallEta}`,
    paper:
      kind === 'degenerate'
        ? 'smaller in the catapult phase (proved for degenerate data)'
        : 'smaller in the catapult phase, depending on the separation of the data',
    measured: ss
      .map(
        (s) =>
          `L = ${s.depth}: ${flatText(kind, s.small)} → ${s.catapult ? `${flatText(kind, s.catapult)} at ${fmt(s.catapult.etaUnits, 3)} (${s.catapult.phase})` : 'no catapult run'}` +
          otherCatapults(kind, s),
      )
      .join('; '),
    pass: ss.length > 0 && ss.every(flatter),
  });
}

function describe(report: Report, d: HuangData): void {
  const o = d.options;
  report.text(
    `Deep linear networks f(x) = W_L⋯W_1 x with L = ${o.depths.join(', ')} layers of width ${o.width}, NTK parameterization (W ~ N(0, 1), each layer scaled by 1/√fan_in, no biases), ` +
      `init seed ${o.seed}, logistic loss 1/m Σ log(1 + e^(−y f)), full-batch GD for ${o.steps} steps (loss > ${fmt(o.maxLoss)} counts as divergence).`,
  );
  report.text(
    '**λ0** is the top eigenvalue of the loss Hessian at initialization (Lanczos on exact Hessian-vector products), and η is given as η·λ0/2, so 1 is the ' +
      "edge of stability at initialization. At f = 0 the logistic curvature is 1/4, so λ0 ≈ λ_NTK/4 (the engine's NTK is JJᵀ/m); f0 ≠ 0 and the term ℓ′·∇²f make them differ, so both are listed.",
  );
  // The largest η that stayed lazy: how much flatter GD gets without a catapult, which the catapult's gain must be read against.
  const lastLazy = (s: HuangSetting) =>
    allRuns(s)
      .filter((r) => r.phase === 'lazy')
      .pop();
  report.table(
    [
      'data',
      'L',
      'λ0 (Hessian)',
      'λ_NTK',
      'λ_NTK/4',
      'L0',
      'rise from (η·λ0/2)',
      'divergence from',
      'H final, small η',
      'H final, largest lazy η',
      'H final, catapult',
    ],
    d.settings.map((s) => [
      s.kind,
      s.depth,
      s.lambdaHessian0,
      s.lambdaNtk0,
      s.lambdaNtk0 / 4,
      s.loss0,
      bracketText(s.onset, '—'),
      bracketText(s.edge, '—'),
      s.small.finalHessian ?? NaN,
      lastLazy(s) ? `${fmt(lastLazy(s)!.finalHessian ?? NaN)} (${fmt(lastLazy(s)!.etaUnits, 3)})` : '—',
      s.catapult?.finalHessian ?? NaN,
    ]),
  );
  report.text(
    'The final H also falls with η inside the lazy phase (the "largest lazy η" column): on non-separable data most of the catapult run\'s ' +
      'gain over η·λ0/2 = ' +
      `${o.smallEta} is already there without a rise, while on degenerate data the catapult takes H well below the lazy runs'. For separable data H is listed at the stop (L ≤ ${o.separableTarget}·L0).`,
  );
  report.text(
    `Data (seed ${o.dataSeed}): ${Object.values(d.source).join('; ')}. The degenerate data are *not* separable along u (labels flipped with probability ${o.labelNoise}), so the ` +
      'loss, a function of the one coordinate z = (W_L⋯W_1)·u, has a finite minimizer and every converged run ends at the same loss; what differs is how sharp the minimum it finds is. ' +
      `Separable data have their minimum at infinity and the curvature decays with the loss, so those runs stop at the first step with L ≤ ${o.separableTarget}·L0 and are compared by H/L there ` +
      '(for large margins ℓ″ ≈ ℓ, so H/L tends to a loss-weighted kernel eigenvalue and stays finite as L → 0). Non-separable data have a finite minimizer: their final H is compared after the full run.',
  );
  report.text(
    `Boundaries: the onset is the smallest η whose loss rises above L0 at some step within ${o.bisectSteps} steps, the edge the smallest η that diverges within that budget; each is bisected ` +
      `(to ${o.relTol} relative) between the grid points ${o.grid.join(', ')} where the grid runs change verdict. A run is *catapult* if its loss rose and then settled ` +
      '(its loss stopped changing, or for separable data reached the target), *unsettled* if it neither diverged nor settled within the budget (e.g. a period-2 cycle). ' +
      'The catapult run compared with the small-η run (the grid run at η·λ0/2 = ' +
      `${o.smallEta}) is found by running inside [onset, first grid η that does not settle] ` +
      '(capped by the divergence edge), the middle first, then the quarter and eighth points, last the largest η the divergence bisection saw survive, until a run settles as a catapult; the verdicts need not be monotone in η, ' +
      "so every such run is listed. If none settles, the grid's own catapult run nearest the middle stands in. " +
      `Runs stop early once settled (loss range ≤ ${SETTLE_TOL} relative over ${SETTLE_WINDOW} steps), so "final" means at that step.`,
  );
}

/** Tables, checks, description and plots; every table carries the options and the data's description. */
export async function reportHuang(d: HuangData, out: FigureOutput): Promise<void> {
  const o = d.options;
  const meta = { ...o, source: d.source, eta_units: 'η·λ0/2, λ0 = top Hessian eigenvalue at initialization' };
  const runs = runRows(d),
    boundaries = boundaryRows(d);
  out.table('runs', Object.keys(runs[0]), runs, meta);
  out.table('boundaries', Object.keys(boundaries[0]), boundaries, meta);
  out.table('trajectories', ['kind', 'depth', 'eta_units', 'role', 't', 'loss', 'hessian'], trajectoryRows(d), meta);
  for (const kind of o.kinds) checkWindows(out.report, d, kind);
  for (const kind of o.kinds) checkFlatter(out.report, d, kind);
  describe(out.report, d);
  await plots(out, d);
}
