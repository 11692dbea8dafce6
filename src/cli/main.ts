// The `catapult` command line: training runs, experiments, golden files and sweeps; every error is one line and a non-zero exit.
import * as path from 'path';
import { gaussNewtonMatvec, hessianDense, hessianTopEigenvalues, ntkDenseEigenvalues, ntkTopEigenvalues, parameterCount } from '../autodiff';
import { symmetricEigen } from '../linalg/eigen';
import { lanczosTop } from '../linalg/lanczos';
import { forwardPass } from '../models';
import {
  ensureDir, figures, formatSweepTable, parseLr, parseLrGrid, phaseSweep, reproduce, runFigure, runTraining, saveParams, setup, writeRun, VERSION,
} from '../experiments';
import { MODEL_OPTIONS, TRAIN_OPTIONS, choice, int, intList, parse, seedOption, setupOptions, text, trainOptions } from './args';
import { progress } from './progress';
import { ORACLE_USAGE, check, oracle } from './oracle';
import { SWEEP_USAGE, merge, plot, sweep as sweepGrid } from './sweep';
import { takeBackendOptions } from './backend';

const ALL_IDS = Object.values(figures.SUITES).flatMap((s) => s.map((f) => f.id)).join(', ');

const USAGE = `usage: catapult <command> [options]

commands:
  train        GD from one initialization; writes trajectory.csv/json and summary.json to --out
  ntk          top-K eigenvalues of the empirical NTK at initialization (Lanczos)
  hessian      top-K eigenvalues of the loss Hessian at initialization (Lanczos on exact forward-over-reverse HVPs)
  phase-sweep  train every η of a grid from one initialization; prints the phase table
  figure ID    one experiment (${ALL_IDS}): data, SVG/PNG plots, report.md in --out
  reproduce    every experiment into --out/<id>/, with --out/index.md linking all reports and plots (npm start)
  oracle       one GD run recorded step by step as a golden file (.json or .npz) for other implementations to test against
  check        rerun a golden file (--golden FILE --tol X); exit 1 when a field deviates beyond the tolerance
  sweep        widths × seeds × learning rates on worker threads into --out/results.jsonl (resumable, --shard i/N)
  merge        combine sweep shards: catapult merge DIR... --out DIR
  plot         phase diagram of a sweep: catapult plot DIR

model options: --model warmup|linear|mlp --width N --depth L --act relu|tanh|identity
  --param ntk|standard --sigma-w S --sigma-b S --outputs K --seed S (numpy RandomState)
  --init params.npz --data data.npz (X m×d, Y m×k) --samples M --input-dim D --data-seed S
  --dataset fashion-mnist|mnist:DIR|npz:FILE|synthetic (balanced subsets, one-hot targets, seeded by --data-seed)
  --train-size N (default 512) --test-size N (default 1000; defaults round down to a multiple of the classes) --classes 0,1,...
  --rng numpy (the only generator: numpy.random.RandomState(seed), see README)
  --loss mse|logistic|ce (default mse; logistic turns 2-class one-hot targets into ±1 labels)
training options: --lr η|Cx (C·2/λ0; for logistic and ce, C·2/λ_H0 with λ_H0 the loss Hessian's top eigenvalue)
  --steps T --momentum γ --l2 c --eig-every K (0 = ends only) --track ntk|hessian (hessian: also the Hessian's top eigenvalue)
  --max-loss B (diverged above it, default 1e12) --converge F (converged at loss ≤ F·L0, default 1e-8)
  --save-params out.npz --out DIR --quiet
ntk options: --top K --dense (also form the full NTK and compare)
hessian options: --top K --dense (also form the Hessian from one HVP per column and compare)
phase-sweep options: --lrs a:b:step or a,b,c (e.g. 0.25x:2.25x:0.05x) --out DIR --steps T
figure options: --out DIR --seed S --width N (overrides the figure's default width) --full (paper sizes) --quiet
  --widths a,b,c (figures that sweep widths: haas, figS13c)
reproduce options: --out DIR --seed S --suite linear|nonlinear|followups --only id,id,... --full (paper sizes) --quiet
${ORACLE_USAGE}
${SWEEP_USAGE}
global options (any command): --backend wasm|js (default wasm; env CATAPULT_BACKEND)
  --threads 1|2 (kernel threads, default 2; env CATAPULT_THREADS)`;

function train(argv: string[]): void {
  const o = parse(argv, { ...MODEL_OPTIONS, ...TRAIN_OPTIONS, lr: { type: 'string' }, 'save-params': { type: 'string' }, quiet: { type: 'boolean' } });
  if (o.help) return void console.log(USAGE);
  const lrText = text(o, 'lr');
  if (lrText === undefined) throw new Error('--lr is required (an absolute η, or a multiple of 2/λ0 such as 1.5x)');
  const lr = parseLr(lrText);
  const out = text(o, 'out', 'out/train')!;
  const so = setupOptions(o);
  const s = setup(so);
  const to = trainOptions(o, { steps: 1000, eigEvery: 1 });
  ensureDir(out);
  const bar = progress('train', to.steps, o.quiet === true);
  const { result, summary } = runTraining(s, { ...to, lr, onStep: (r) => bar.update(r.t) }, so.init ? null : so.seed);
  bar.finish();
  writeRun(out, result, summary);
  const saveTo = text(o, 'save-params');
  if (saveTo) saveParams(saveTo, s.model, result.params);
  if (summary.hessian0 !== null) {
    const rel = summary.lr_reference === 'hessian' ? ` (η·λ_H0 = ${summary.eta * summary.hessian0}, which sets η for the ${summary.loss} loss)` : '';
    console.log(`loss Hessian top eigenvalue λ_H: ${summary.hessian0} at step 0${rel}, ${summary.final_hessian ?? '—'} at the end`);
  }
  const verdict = result.diverged ? `diverged at step ${result.diverged.step} (${result.diverged.reason})` : summary.phase;
  console.log(`λ0 = ${summary.lambda0}, η = ${summary.eta} (η·λ0 = ${summary.eta_lambda0}): ${verdict}; `
    + `peak loss ${summary.peak_loss}, final loss ${summary.final_loss}, final λ = ${summary.final_lambda ?? '—'}`);
  for (const [what, m] of [['train', summary.train_metrics], ['test', summary.test_metrics]] as const) {
    if (m) console.log(`${what}: loss ${m.loss}, accuracy ${m.accuracy}, mean margin ${m.meanMargin}, min margin ${m.minMargin}`);
  }
  console.log(`wrote ${path.join(out, 'trajectory.csv')}, trajectory.json, summary.json`);
}

function ntk(argv: string[]): void {
  const o = parse(argv, { ...MODEL_OPTIONS, top: { type: 'string' }, dense: { type: 'boolean' } });
  if (o.help) return void console.log(USAGE);
  const s = setup(setupOptions(o));
  const top = int(o, 'top', 1, 1);
  const { f } = forwardPass(s.model, s.init, s.data);
  const r = ntkTopEigenvalues(f, top);
  const dense = o.dense ? ntkDenseEigenvalues(f) : null;
  console.log(`NTK of ${s.model.config.kind} (size ${f.value.data.length}), Lanczos: ${r.iterations} iterations, ${r.converged ? 'converged' : 'NOT converged'}`);
  r.values.forEach((v, i) => {
    const d = dense ? `  dense ${dense[i]}  rel. diff ${Math.abs(v - dense[i]) / Math.abs(dense[0])}` : '';
    console.log(`λ${i + 1} = ${v}  (residual ${r.residuals[i].toExponential(2)})${d}`);
  });
}

function hessian(argv: string[]): void {
  const o = parse(argv, { ...MODEL_OPTIONS, top: { type: 'string' }, dense: { type: 'boolean' } });
  if (o.help) return void console.log(USAGE);
  const s = setup(setupOptions(o));
  const top = int(o, 'top', 1, 1);
  const { f, loss } = forwardPass(s.model, s.init, s.data);
  const P = parameterCount(loss), kind = s.model.config.loss ?? 'mse';
  const r = hessianTopEigenvalues(loss, top);
  const dense = o.dense ? symmetricEigen(P, hessianDense(loss), false).values.slice().reverse() : null;
  console.log(`${kind} loss Hessian of ${s.model.config.kind} (${P} parameters), Lanczos: ${r.iterations} iterations, ${r.converged ? 'converged' : 'NOT converged'}`);
  r.values.forEach((v, i) => {
    const d = dense ? `  dense ${dense[i]}  rel. diff ${Math.abs(v - dense[i]) / Math.abs(dense[0])}` : '';
    console.log(`λ_H${i + 1} = ${v}  (residual ${r.residuals[i].toExponential(2)})${d}`);
  });
  const lambda = ntkTopEigenvalues(f).values[0];
  if (kind === 'mse') {
    const gn = lanczosTop(gaussNewtonMatvec(f), P, { k: 1, tol: 1e-12 }).values[0];
    console.log(`Gauss–Newton part JᵀJ/(km): top eigenvalue ${gn}; NTK λ0 = ${lambda} (rel. diff ${(Math.abs(gn - lambda) / lambda).toExponential(2)})`);
  } else {
    console.log(`NTK λ0 = ${lambda} (for ${kind} loss, GD stability is set by the Hessian: η_crit = 2/λ_H1 = ${2 / r.values[0]})`);
  }
}

function sweep(argv: string[]): void {
  const o = parse(argv, { ...MODEL_OPTIONS, ...TRAIN_OPTIONS, lrs: { type: 'string' }, quiet: { type: 'boolean' } });
  if (o.help) return void console.log(USAGE);
  const so = setupOptions(o, 'warmup');
  const lrs = parseLrGrid(text(o, 'lrs', '0.25x:2.25x:0.05x')!);
  const out = text(o, 'out', 'out/phase-sweep')!;
  const s = setup(so);
  const to = trainOptions(o, { steps: 3000, eigEvery: 1 });
  ensureDir(out);
  const bar = progress('phase-sweep', lrs.length, o.quiet === true);
  bar.update(0);
  const rows = phaseSweep(s, {
    lrs, seed: so.init ? null : so.seed, outDir: out,
    run: { ...to, stopAtConvergence: false },
    onRun: (i, n, r) => bar.update(i, `η·λ0 = ${r.eta_lambda0.toFixed(3)}: ${r.phase}`),
  });
  bar.finish();
  const c = s.model.config;
  console.log(`${c.kind} model, width ${c.width}, ${s.data.source}; λ0 = ${rows[0]?.lambda0}, η_crit = 2/λ0 = ${2 / rows[0]?.lambda0}; ${to.steps} steps`);
  console.log(formatSweepTable(rows));
  console.log(`wrote ${path.join(out, 'sweep.csv')}, sweep.json and runs/*/ (trajectory and summary per η)`);
}

function verdictLine(r: figures.FigureResult): string {
  const ok = r.checks.filter((c) => c.pass).length;
  return `${r.id}: ${ok}/${r.checks.length} checks agree with the paper (${r.seconds.toFixed(1)} s)`
    + r.checks.filter((c) => !c.pass).map((c) => `\n  departs: ${c.quantity}: paper ${c.paper}; measured ${c.measured}`).join('');
}

async function figure(argv: string[]): Promise<void> {
  const [id, ...rest] = argv;
  if (id === undefined || id.startsWith('-')) {
    if (id === '--help' || id === '-h') return void console.log(USAGE);
    throw new Error(`figure needs an id (${ALL_IDS})`);
  }
  const fig = figures.figureById(id);
  const o = parse(rest, { out: { type: 'string' }, seed: { type: 'string' }, width: { type: 'string' }, widths: { type: 'string' }, full: { type: 'boolean' }, quiet: { type: 'boolean' } });
  if (o.help) return void console.log(USAGE);
  const out = text(o, 'out', `out/${id}`)!;
  const bar = progress(id, 1000, o.quiet === true);
  const r = await runFigure(fig, out, seedOption(o, 'seed', 0), int(o, 'width', undefined, 1), (f, note) => bar.update(Math.round(1000 * f), note), o.full === true,
    intList(o, 'widths', 1));
  bar.finish();
  console.log(verdictLine(r));
  console.log(`wrote ${path.join(out, 'report.md')} and ${r.files.length + r.plots.length - 1} data and plot files`);
}

async function reproduceAll(argv: string[]): Promise<void> {
  const o = parse(argv, { out: { type: 'string' }, seed: { type: 'string' }, only: { type: 'string' }, suite: { type: 'string' }, full: { type: 'boolean' }, quiet: { type: 'boolean' } });
  if (o.help) return void console.log(USAGE);
  const out = text(o, 'out', 'out')!;
  const only = text(o, 'only');
  const ids = only === undefined ? undefined : only.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  ids?.forEach((id) => figures.figureById(id)); // unknown ids fail before anything runs
  const bar = progress('reproduce', 1000, o.quiet === true);
  bar.update(0);
  const started = Date.now();
  const suite = choice(o, 'suite', Object.keys(figures.SUITES) as figures.Suite[], 'linear');
  const results = await reproduce({ out, seed: seedOption(o, 'seed', 0), ids, suite, full: o.full === true, onProgress: (f, note) => bar.update(Math.round(1000 * f), note) });
  bar.finish();
  for (const r of results) console.log(verdictLine(r));
  console.log(`reproduce took ${((Date.now() - started) / 1000).toFixed(1)} s; open ${path.join(out, 'index.md')}`);
}

/** A command returns nothing (exit 0) or its exit code (check: 1 when the golden file is not reproduced). */
const COMMANDS: Record<string, (argv: string[]) => void | number | Promise<void | number>> = {
  train, ntk, hessian, 'phase-sweep': sweep, figure, reproduce: reproduceAll, oracle, check, sweep: sweepGrid, merge, plot,
};

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let cmd: string | undefined, rest: string[];
  try {
    [cmd, ...rest] = await takeBackendOptions(argv);
  } catch (e) {
    process.stderr.write(`catapult: error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    console.log(USAGE);
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === '--version') return void console.log(VERSION), 0;
  const run = COMMANDS[cmd];
  try {
    if (!run) throw new Error(`unknown command '${cmd}' (commands: ${Object.keys(COMMANDS).join(', ')})`);
    const code = await run(rest);
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`catapult: error: ${msg.split('\n')[0]}\n`);
    if (process.env.CATAPULT_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return 2;
  }
}
