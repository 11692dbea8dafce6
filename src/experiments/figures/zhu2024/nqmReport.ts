// The NQM study's report: the three models' phases and accuracies across η·λ0, the papers' claims checked, the plots and run directories.
import { Report, fmt } from '../../report/report';
import type { Series } from '../../report/plot';
import type { FigureOutput } from '../output';
import { writeRunDir } from '../runDir';
import type { NqmOptions } from './options';
import { NQM_CONVERGED, NQM_KINDS, NqmData, NqmKind, NqmRun } from './nqmRuns';

/** "Generalization parallels the network's": the mean |test accuracy gap| over the step sizes where both converge, at most this. */
export const ACCURACY_GAP_TOL = 0.05;

const of = (d: NqmData, kind: NqmKind) => d.runs.filter((r) => r.kind === kind);
const inWindow = (r: NqmRun) => r.etaLambda0 > 2 && r.etaLambda0 < 4;
const label = (r: NqmRun) => `s${r.seed} ${r.etaLambda0}: ${r.phase} (peak L/L0 ${fmt(Math.max(...r.losses) / r.losses[0], 3)})`;

function checkLinear(report: Report, d: NqmData): void {
  const runs = of(d, 'linear');
  const wrong = runs.filter((r) => r.etaLambda0 < 2 === (r.phase === 'divergent'));
  report.check({
    quantity: 'linearized model: phase at each η·λ0 (every seed)',
    paper: 'GD on the linearized model converges below η·λ0 = 2 and diverges above',
    measured: wrong.length ? `departs at ${wrong.map(label).join(', ')}` : `all ${runs.length} runs: converges below 2, diverges above`,
    pass: wrong.length === 0,
  });
}

/** The catapult at η·λ0 in (2, 4): the loss rises, then converges, and λ ends below 2/η. */
function checkCatapult(report: Report, d: NqmData, kind: 'quadratic' | 'network', paper: string): void {
  const runs = of(d, kind).filter(inWindow);
  const bad = runs.filter((r) => r.phase !== 'catapult' || r.finalEdgeRatio === null || r.finalEdgeRatio >= 1);
  report.check({
    quantity: `${kind === 'quadratic' ? 'NQM' : 'network'}: runs at 2 < η·λ0 < 4 that catapult (loss rises, then falls below ${NQM_CONVERGED}·L0) and end with λ·η/2 < 1`,
    paper,
    measured: `${runs.length - bad.length} of ${runs.length}; λ_T·η/2 ${runs.map((r) => (r.finalEdgeRatio === null ? '—' : fmt(r.finalEdgeRatio, 3))).join(', ')}${bad.length ? `; not: ${bad.map(label).join(', ')}` : ''}`,
    pass: runs.length > 0 && bad.length === 0,
  });
}

/** The largest η·λ0 of the grid that did not diverge, per seed. */
const lastStable = (runs: readonly NqmRun[], seed: number) =>
  Math.max(...runs.filter((r) => r.seed === seed && r.phase !== 'divergent').map((r) => r.etaLambda0));

function checkEdges(report: Report, d: NqmData, o: NqmOptions): void {
  const per = (kind: NqmKind) => o.seeds.map((s) => lastStable(of(d, kind), s));
  const nqm = per('quadratic'),
    net = per('network');
  const above4 = of(d, 'quadratic').filter((r) => r.etaLambda0 > 4);
  report.check({
    quantity: 'largest non-divergent η·λ0 of the grid, per seed: NQM; network (in brackets)',
    paper: "the NQM's catapult window ends near η·λ0 = 4 (as the uv model's), so it diverges at the grid's points above 4",
    measured: o.seeds.map((s, i) => `seed ${s}: ${nqm[i]} (${net[i]})`).join('; '),
    pass: above4.length > 0 && above4.every((r) => r.phase === 'divergent'),
  });
  const pairs = of(d, 'quadratic')
    .map((q) => [q, d.runs.find((r) => r.kind === 'network' && r.seed === q.seed && r.etaLambda0 === q.etaLambda0)!] as const)
    .filter(([q, n]) => q.testAccuracy !== null && n.testAccuracy !== null);
  const gaps = pairs.map(([q, n]) => Math.abs(q.testAccuracy! - n.testAccuracy!));
  const mean = gaps.reduce((a, b) => a + b, 0) / Math.max(1, gaps.length);
  report.check({
    quantity: `mean |test accuracy of the NQM − of the network| over the ${pairs.length} runs where both converged (largest)`,
    paper: `the NQM's generalization parallels the network's: mean gap ≤ ${ACCURACY_GAP_TOL} (our tolerance)`,
    measured: gaps.length ? `${fmt(mean, 3)} (${fmt(Math.max(...gaps), 3)})` : 'no pair converged',
    pass: gaps.length > 0 && mean <= ACCURACY_GAP_TOL,
  });
}

function writeTables(out: FigureOutput, d: NqmData, o: NqmOptions): void {
  const cols = ['kind', 'seed', 'eta_lambda0', 'eta', 'phase', 'peak_loss_ratio', 'final_loss', 'final_edge_ratio', 'test_accuracy'];
  const rows = d.runs.map((r) => ({
    kind: r.kind,
    seed: r.seed,
    eta_lambda0: r.etaLambda0,
    eta: r.eta,
    phase: r.phase,
    peak_loss_ratio: Math.max(...r.losses) / r.losses[0],
    final_loss: r.losses[r.losses.length - 1],
    final_edge_ratio: r.finalEdgeRatio,
    test_accuracy: r.testAccuracy,
  }));
  out.table('runs', cols, rows, { options: o, lambda0: d.lambda0 });
  const losses = d.runs.flatMap((r) => r.losses.map((loss, t) => ({ kind: r.kind, seed: r.seed, eta_lambda0: r.etaLambda0, t, loss })));
  out.table('losses', ['kind', 'seed', 'eta_lambda0', 't', 'loss'], losses, { options: o });
}

async function plots(out: FigureOutput, d: NqmData, o: NqmOptions): Promise<void> {
  const seed = o.seeds[0];
  const shown = o.etaLambda0s.filter((c) => c === 1 || c === 3 || c === Math.max(...o.etaLambda0s.filter((x) => x < 4)));
  for (const c of shown) {
    const series: Series[] = NQM_KINDS.map((kind) => {
      const r = d.runs.find((x) => x.kind === kind && x.seed === seed && x.etaLambda0 === c)!;
      return { name: `${kind} (${r.phase})`, x: r.losses.map((_, t) => t), y: r.losses };
    });
    await out.plot(
      `nqm_loss_${c}`,
      { kind: 'line', title: `training loss at η·λ0 = ${c}, seed ${seed}`, xLabel: 'step t', yLabel: 'loss', yLog: true, series },
      `The net, its NQM and its linearization from the same θ0 at η·λ0 = ${c}.`,
    );
  }
  const bySeed = (kind: NqmKind, y: (r: NqmRun) => number | null): Series[] =>
    o.seeds.map((s) => {
      const runs = of(d, kind).filter((r) => r.seed === s);
      return { name: `${kind}, seed ${s}`, x: runs.map((r) => r.etaLambda0), y: runs.map((r) => y(r) ?? NaN), points: true };
    });
  const rules = [
    { at: 2, label: 'η·λ0 = 2' },
    { at: 4, label: '4' },
  ];
  await out.plot(
    'nqm_accuracy',
    {
      kind: 'line',
      title: 'test accuracy against η·λ0',
      xLabel: 'η·λ0',
      yLabel: 'test accuracy',
      series: NQM_KINDS.flatMap((k) => bySeed(k, (r) => r.testAccuracy)),
      vlines: rules,
    },
    'Test accuracy of the three models (blank where the run diverged).',
  );
  await out.plot(
    'nqm_edge',
    {
      kind: 'line',
      title: 'λ_T·η/2 against η·λ0',
      xLabel: 'η·λ0',
      yLabel: 'λ_T·η/2',
      series: (['network', 'quadratic'] as const).flatMap((k) => bySeed(k, (r) => r.finalEdgeRatio)),
      vlines: rules,
      hlines: [{ at: 1, label: 'λ = 2/η' }],
    },
    'The NTK top eigenvalue at the last step against 2/η: below 1 the run settled in a region flat enough for η.',
  );
}

/**
 * The checks, tables, plots and the net's and NQM's run directories (init.npz, data.npz and what `catapult train` writes).
 * @example
 * await reportNqm(d, o, out);
 */
export async function reportNqm(d: NqmData, o: NqmOptions, out: FigureOutput): Promise<void> {
  checkLinear(out.report, d);
  checkCatapult(out.report, d, 'quadratic', 'the NQM catapults for 2 < η·λ0 < 4, where its linearization diverges');
  checkCatapult(out.report, d, 'network', 'the network catapults for 2 < η·λ0 < 4 (Lewkowycz et al.)');
  checkEdges(out.report, d, o);
  out.report.text(
    `A fully connected ${o.act} net of ${o.depth} hidden layer(s) of width ${o.width} (NTK parameterization, no biases), its neural quadratic model ` +
      `f(θ0) + J0Δ + ½·D²f(θ0)[Δ, Δ] (--model quadratic) and its linearization, by GD from the same θ0 for ${o.steps} steps at η = c/λ0 on ${d.train.source}; ` +
      `test set ${d.test.source}. λ0 per seed: ${o.seeds.map((s) => fmt(d.lambda0[s], 6)).join(', ')}. Phases by the trajectory: divergent, unconverged (never below ${NQM_CONVERGED}·L0), catapult (the loss rose above L0), lazy.`,
  );
  writeTables(out, d, o);
  for (const r of d.runs) if (r.dir) writeRunDir(out, r.dir);
  await plots(out, d, o);
}
