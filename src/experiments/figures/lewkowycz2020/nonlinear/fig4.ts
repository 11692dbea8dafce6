// Figs. 4 and 6: a 1-hidden-layer ReLU net on 512 MNIST digits, full-batch GD to training accuracy 1 — test accuracy against η over seeds, and linearized models.
import type { Tensor } from '../../../../linalg/tensor';
import { tensor } from '../../../../linalg/tensor';
import { Dataset, firstRows, loadClassification } from '../../../../data';
import { structuredNtkCost } from '../../../../autodiff';
import {
  Linearization,
  classification,
  linearize,
  linearOutputs,
  outputsOf,
  trainLinearized,
  trainLinearizedFunctionSpace,
  trainNtk,
  trainNtkFits,
} from '../../../../models';
import { Instance, etaLabel, figureDataset, gd, mlpInstance, poolImages } from '../../common';
import { Fig4Run } from './fig4Stats';
import { FIG4_DEFAULTS, FIG4_FULL, Fig4Data, Fig4Options } from './fig4Options';

export * from './fig4Options';
import { reportFig4, reportFig6 } from './fig4Report';
import { FigureDir } from '../../output';
import { ComputeContext, FigureSpec, Progress, RunSettings } from '../../spec';

/** One seed's network, data and λ0. */
export interface SeedSetup {
  inst: Instance;
  test: Dataset;
}

/** The options that fix a run's network part (not the seeds, not fig6's linearization step). */
const networkKey = (o: Fig4Options) => JSON.stringify({ ...o, seeds: null, linearizeAt: null });

// Within one process fig6 reuses fig4's network runs and setups (fig4 runs first in the suite).
const setups = new Map<string, SeedSetup>();
const networkRuns = new Map<string, Fig4Run>();

/**
 * One seed's network (initialized, λ0 measured) on its training subset, and its test subset; cached per options and seed.
 *
 * @example
 * const { inst, test } = fig4Setup(FIG4_DEFAULTS, 0); // inst.data: 512 digits, 52 of 0 and 1, 51 of the others
 */
export function fig4Setup(o: Fig4Options, seed: number): SeedSetup {
  const key = `${networkKey(o)}#${seed}`;
  const hit = setups.get(key);
  if (hit) return hit;
  const spec = figureDataset(o);
  const k = loadClassification(spec, { testSize: 0, seed }).classes.length;
  const c = loadClassification(spec, { trainSize: Math.ceil(o.trainSize / k) * k, testSize: o.testSize, seed });
  const subset = c.train.X.shape[0] > o.trainSize ? firstRows(c.train, o.trainSize) : c.train;
  const [train, test] = poolImages(subset, c.test, o.pool);
  const setup = { inst: mlpInstance({ width: o.width, depth: 1, act: 'relu' }, train, seed), test };
  setups.set(key, setup);
  return setup;
}

/** Reports progress within one long run every `every` steps (GD steps cost up to a second at the paper's size). */
function stepTicker(progress: Progress, cap: number, note: string, every = 50) {
  return (t: number, extra: string) => {
    if (t % every === 0) progress(Math.min(1, t / cap), `${note}, step ${t} (cap ${cap})${extra}`);
  };
}

/** f − shift, element-wise (f itself without a shift). */
const less = (f: Float64Array, shift: Float64Array | null) => (shift ? f.map((v, i) => v - shift[i]) : f);

/**
 * What the run trains and how it reads accuracy. Plain: f on Y. Centered: f − f0, which is GD on f against the
 * targets Y + f0(train) (the same gradients), with accuracy read off f − f0 on both sets.
 */
function centering(setup: SeedSetup, centered: boolean) {
  const { inst, test } = setup;
  if (!centered) return { inst, trainShift: null, testShift: null };
  const trainShift = outputsOf(inst.model, inst.init, inst.data);
  const Y = tensor(
    inst.data.Y.shape,
    inst.data.Y.data.map((y, i) => y + trainShift[i]),
  );
  return { inst: { ...inst, data: { ...inst.data, Y } }, trainShift, testShift: outputsOf(inst.model, inst.init, test) };
}

/** Test accuracy of f(θ) (less f0 when centered). */
function testAccuracy(setup: SeedSetup, params: readonly Tensor[], shift: Float64Array | null): number {
  const { inst, test } = setup;
  const [m, k] = test.Y.shape;
  return classification(less(outputsOf(inst.model, params, test), shift), test.Y.data, m, k).accuracy;
}

/** Full-batch GD at η·λ0 = c until training accuracy 1 or t·η = physTime; test accuracy at the end. */
function networkRun(setup: SeedSetup, seed: number, c: number, o: Fig4Options, progress: Progress): Fig4Run {
  const { inst, trainShift, testShift } = centering(setup, o.centered === true);
  const Ytrain = setup.inst.data.Y.data;
  const [m, k] = inst.data.Y.shape;
  const accuracy = (f: Float64Array) => classification(less(f, trainShift), Ytrain, m, k).accuracy;
  const eta = c / inst.lambdaNtk0;
  const cap = Math.ceil(o.physTime / eta);
  const tick = stepTicker(progress, cap, `seed ${seed}, ${etaLabel(c)}`);
  let trainAccuracy = 0;
  const r = gd(inst, eta, {
    steps: cap,
    eigEvery: 0,
    measureLambda: false,
    recordOutputs: true,
    keepRecords: false,
    onStep: (rec) => tick(rec.t, `, train accuracy ${trainAccuracy}`),
    // Only the newest outputs are needed: drop the previous step's.
    stopWhen: (rec, prev) => {
      if (prev) delete prev.outputs;
      trainAccuracy = accuracy(rec.outputs!);
      return trainAccuracy === 1;
    },
  });
  const last = r.records[r.records.length - 1];
  const diverged = r.diverged !== null;
  return {
    seed,
    etaLambda0: c,
    eta,
    lambda0: inst.lambdaNtk0,
    diverged,
    steps: last.t,
    trainAccuracy: diverged ? null : accuracy(last.outputs!),
    testAccuracy: diverged ? null : testAccuracy(setup, r.params, testShift),
    lin0: null,
    linT: null,
  };
}

/** Where a linearized model's GD runs: 'function' (dense train NTK, one matvec a step) or 'parameter' (a JVP and a VJP a step). */
export type LinearizedSpace = 'function' | 'parameter';

/**
 * A function-space step (one matvec streaming Θ's (mk)² entries from memory) costs about this many times
 * (mk)²/(m·P) parameter-space steps (a JVP and a VJP, O(m·P) each, for P parameters): measured on the native backend
 * (OpenBLAS, 2 loaded cores) for fig6's net on 512 digits, 2.9 at width 2048 (12 against 136 ms a step) and 1.5–3.5 at 256.
 */
const MATVEC_STEP_COST = 3;

/**
 * Function space when Θ fits in memory and the run's cap of `steps` steps would repay building it, each step saving
 * 1 − r of a parameter-space step, r = MATVEC_STEP_COST·(mk)²/(m·P). Θ costs nothing when `built`; else, for a net
 * where Θ is structured (an MLP), k reverse sweeps and Gram products, counted as parameter-space steps of about
 * 4·m·P multiply-adds (a JVP and a VJP); else m·k VJP+JVP pairs, about m·k steps. At fig6's sizes (one hidden layer,
 * 512 digits × 10 classes) the structured Θ repays within a few hundred steps, at width 2048 (r ≈ 0.09) and at 256
 * (r ≈ 0.76) alike.
 *
 * @example
 * linearizedSpace(lin, 20000, false); // 'function' for the paper's net (width 2048) on 512 digits × 10 classes
 */
export function linearizedSpace(lin: Linearization, steps: number, built: boolean): LinearizedSpace {
  if (!trainNtkFits(lin)) return 'parameter';
  const N = lin.f0.length,
    [m, k] = lin.data.Y.shape;
  const tape = lin.f.tape;
  const P = tape.params.reduce((sum, id) => sum + tape.values[id].data.length, 0);
  const saved = 1 - (MATVEC_STEP_COST * N * N) / (m * P);
  const gram = structuredNtkCost(lin.f);
  const build = built ? 0 : gram === null ? N : k + gram / (4 * m * P);
  return saved > 0 && steps * saved >= build ? 'function' : 'parameter';
}

/** A train NTK kept for reuse: fig6's model linearized at θ0 has one Θ for every η of a seed. */
export interface NtkSlot {
  ntk: Float64Array | null;
}

/** GD on `onTrain` to training accuracy 1 or `steps`, where `space` says (a given slot's Θ is used, or built into it). */
function trainIn(
  onTrain: Linearization,
  space: LinearizedSpace,
  eta: number,
  steps: number,
  progress: Progress,
  note: string,
  slot?: NtkSlot,
) {
  const tick = stepTicker(progress, steps, `${note} (${space} space)`);
  const o = { lr: eta, steps, stopAccuracy: 1, onStep: (t: number) => tick(t, '') };
  if (space === 'parameter') return trainLinearized(onTrain, o);
  const N = onTrain.f0.length;
  const build = () => {
    progress(0, `${note}, train NTK`);
    return trainNtk(onTrain, (a) => a % 100 === 0 && progress(0, `${note}, train NTK column ${a} of ${N}`));
  };
  const ntk = slot?.ntk ?? build();
  if (slot) slot.ntk = ntk;
  return trainLinearizedFunctionSpace(onTrain, { ...o, ntk });
}

/**
 * Test accuracy of the model linearized at θ, trained by GD at η to training accuracy 1 or `steps`; null if it
 * diverged. `space` overrides {@link linearizedSpace}'s choice (both give the same run up to rounding).
 */
export function linearizedAccuracy(
  s: SeedSetup,
  theta: readonly Tensor[],
  eta: number,
  steps: number,
  o: { progress: Progress; note: string; slot?: NtkSlot; space?: LinearizedSpace },
): number | null {
  const onTrain = linearize(s.inst.model, theta, s.inst.data);
  try {
    const space = o.space ?? linearizedSpace(onTrain, steps, !!o.slot?.ntk);
    const r = trainIn(onTrain, space, eta, steps, o.progress, o.note, o.slot);
    if (r.diverged) return null;
    const onTest = linearize(s.inst.model, theta, s.test);
    try {
      const out = linearOutputs(onTest, r.delta);
      return classification(out, s.test.Y.data, s.test.Y.shape[0], s.test.Y.shape[1]).accuracy;
    } finally {
      onTest.f.tape.dispose();
    }
  } finally {
    onTrain.f.tape.dispose();
  }
}

/**
 * fig6's addition to a network run: the models linearized at step 0 and at `linearizeAt`, within the network's
 * budget. `slot0` keeps the seed's Θ at θ0 (when function space builds one) for the other η.
 */
function withLinearized(s: SeedSetup, net: Fig4Run, o: Fig4Options, progress: Progress, slot0: NtkSlot): Fig4Run {
  if (net.diverged) return net;
  const steps = Math.ceil(o.physTime / net.eta);
  const what = `seed ${net.seed}, ${etaLabel(net.etaLambda0)}`;
  const lin0 = linearizedAccuracy(s, s.inst.init, net.eta, steps, {
    progress: (f, n) => progress(f / 2, n),
    note: `${what}, linearized at 0`,
    slot: slot0,
  });
  const early = gd(s.inst, net.eta, { steps: o.linearizeAt, eigEvery: 0, measureLambda: false });
  const linT = early.diverged
    ? null
    : linearizedAccuracy(s, early.params, net.eta, Math.max(0, steps - o.linearizeAt), {
        progress: (f, n) => progress(0.5 + f / 2, n),
        note: `${what}, linearized at ${o.linearizeAt}`,
      });
  return { ...net, lin0, linT };
}

/**
 * Every (seed, η·λ0) run; each finished one is handed to `ctx.checkpoint` at once, and those of an earlier run with the
 * same options (`ctx.resumed`) are not run again. With `linearized` (fig6) each run also trains the two linearized models.
 */
export function computeFig4(
  o: Fig4Options,
  linearized: boolean,
  ctx: Pick<ComputeContext<Fig4Run[]>, 'progress' | 'resumed' | 'checkpoint'>,
): Fig4Data {
  const done = [...(ctx.resumed ?? [])];
  const find = (seed: number, c: number) => done.find((r) => r.seed === seed && r.etaLambda0 === c);
  const resumed = o.seeds.flatMap((s) => o.grid.map((c) => find(s, c))).filter((r) => r !== undefined).length;
  const units = o.seeds.length * o.grid.length;
  let unit = 0;
  for (const seed of o.seeds) {
    // Θ at this seed's θ0, shared by its η (released with the next seed).
    const slot0: NtkSlot = { ntk: null };
    for (const c of o.grid) {
      const base = unit++;
      const at = (f: number, note?: string) => ctx.progress((base + f) / units, note);
      const key = `${networkKey(o)}#${seed}#${c}`;
      const saved = find(seed, c);
      if (saved) {
        if (!linearized) networkRuns.set(key, saved);
        continue;
      }
      const setup = fig4Setup(o, seed);
      const share = linearized ? 0.4 : 1;
      const net = networkRuns.get(key) ?? networkRun(setup, seed, c, o, (f, n) => at(share * f, n));
      networkRuns.set(key, net);
      done.push(linearized ? withLinearized(setup, net, o, (f, n) => at(share + (1 - share) * f, n), slot0) : net);
      ctx.checkpoint(done);
    }
  }
  const runs = o.seeds.flatMap((s) => o.grid.map((c) => find(s, c)!));
  return { runs, resumed, inputDim: 784 / (o.pool * o.pool) };
}

const PARTIAL_FILE = 'runs.partial.json';

/** The runs an earlier run into `dir` saved, when its options equal `o` but for the seeds; none from a missing, torn or foreign file. */
function resumable(dir: FigureDir, o: Fig4Options): Fig4Run[] {
  const saved = dir.readJson(PARTIAL_FILE) as { options?: Fig4Options; runs?: Fig4Run[] } | undefined;
  const rest = (x: Fig4Options) => JSON.stringify({ ...x, seeds: null });
  if (!saved?.options || rest(saved.options) !== rest(o) || !Array.isArray(saved.runs)) return [];
  return saved.runs.filter((r) => o.seeds.includes(r.seed) && o.grid.includes(r.etaLambda0));
}

/** fig4 and fig6 take the same options, so that fig6 reuses fig4's runs within one process; both checkpoint every run. */
const FIG4_OPTIONS = {
  suite: 'nonlinear',
  defaults: FIG4_DEFAULTS,
  full: FIG4_FULL,
  // The run's seed shifts every seed of the study; --width sets the width.
  overrides: (run: RunSettings, o: Fig4Options) => ({
    seeds: o.seeds.map((s) => s + run.seed),
    ...(run.width !== undefined && { width: run.width }),
  }),
  takesDataset: true,
  checkpoint: {
    load: (o: Fig4Options, dir: FigureDir) => resumable(dir, o),
    save: (runs: Fig4Run[], o: Fig4Options, dir: FigureDir) => dir.json(PARTIAL_FILE, { options: o, runs }),
  },
} as const;

export const fig4: FigureSpec<Fig4Options, Fig4Data, Fig4Run[]> = {
  id: 'fig4',
  title: 'Fig. 4: test accuracy against the learning rate',
  weight: 3,
  ...FIG4_OPTIONS,
  compute: (o, ctx) => computeFig4(o, false, ctx),
  reportTitle: (o) => `Fig. 4: test accuracy against η, 1 hidden ReLU layer (width ${o.width}), ${o.seeds.length} seeds`,
  report: reportFig4,
};

export const fig6: FigureSpec<Fig4Options, Fig4Data, Fig4Run[]> = {
  id: 'fig6',
  title: 'Fig. 6: linearized models after the catapult',
  weight: 6,
  ...FIG4_OPTIONS,
  compute: (o, ctx) => computeFig4(o, true, ctx),
  reportTitle: (o) => `Fig. 6: the network and its linearizations at steps 0 and ${o.linearizeAt}, ${o.seeds.length} seeds`,
  report: reportFig6,
};

/** A control the paper does not run: fig4's protocol with the initial function f(θ0) removed from the network trained. */
export const fig4f0: FigureSpec<Fig4Options, Fig4Data, Fig4Run[]> = {
  id: 'fig4f0',
  title: 'Fig. 4 control: the initial function removed',
  weight: 3,
  ...FIG4_OPTIONS,
  defaults: { ...FIG4_DEFAULTS, centered: true },
  compute: (o, ctx) => computeFig4(o, false, ctx),
  reportTitle: (o) => `Fig. 4 control: test accuracy against η for f(θ) − f(θ0), width ${o.width}, ${o.seeds.length} seeds`,
  report: reportFig4,
};
