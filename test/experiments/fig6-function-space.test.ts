// fig6's linearized models in function space (dense train NTK) where that pays and fits, in parameter space otherwise: the same accuracies either way.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { linearize } from '../../src/models';
import { Tape, ops } from '../../src/autodiff';
import { tensor } from '../../src/linalg/tensor';
import { MEMORY_LIMIT_ENV } from '../../src/io/files';
import { gd } from '../../src/experiments/figures/common';
import {
  FIG4_DEFAULTS,
  Fig4Options,
  computeFig4,
  fig4Setup,
  linearizedAccuracy,
  linearizedSpace,
} from '../../src/experiments/figures/lewkowycz2020/nonlinear/fig4';

// As fig4.test's SMALL: 52 digits × 10 classes, so m·k = 520 and Θ is 520 × 520 (2.1 MiB).
const SMALL: Fig4Options = { ...FIG4_DEFAULTS, width: 32, trainSize: 52, testSize: 100, seeds: [0], grid: [1, 3], physTime: 600 };
const setup = fig4Setup(SMALL, 0);
const lambda0 = setup.inst.lambdaNtk0;

/** Runs `f` with CATAPULT_MEMORY_LIMIT set to `limit`, restoring it after. */
function withLimit<T>(limit: string, f: () => T): T {
  const saved = process.env[MEMORY_LIMIT_ENV];
  process.env[MEMORY_LIMIT_ENV] = limit;
  try {
    return f();
  } finally {
    if (saved === undefined) delete process.env[MEMORY_LIMIT_ENV];
    else process.env[MEMORY_LIMIT_ENV] = saved;
  }
}

test('linearizedSpace: function space when Θ fits and the cap repays its build, or Θ is built and a step costs less; parameter space otherwise', () => {
  const linOf = (width: number) => {
    const s = fig4Setup({ ...SMALL, width }, 0);
    return linearize(s.inst.model, s.inst.init, s.inst.data);
  };
  // Width 32: P = 25,450, a function-space step costs r = 3·520²/(52·P) ≈ 0.61 of a parameter-space one.
  const lin = linOf(32);
  const narrow = linOf(2); // P = 1600: r ≈ 9.8, a matvec costs more than a JVP and a VJP
  try {
    // Θ is structured here (an MLP): its build is k = 10 sweeps and Gram products worth ~2.6 steps, repaid from ~33.
    assert.is(linearizedSpace(lin, 20, false), 'parameter', '20 steps do not repay the structured build at r ≈ 0.61');
    assert.is(linearizedSpace(lin, 520, false), 'function', 'm·k steps repay the structured build');
    assert.is(linearizedSpace(lin, 10, true), 'function', 'Θ already built');
    assert.is(linearizedSpace(narrow, 1e6, true), 'parameter', 'a step in function space would cost more');
    withLimit('2M', () => assert.is(linearizedSpace(lin, 1e6, true), 'parameter', 'Θ over the memory limit'));
  } finally {
    lin.f.tape.dispose();
    narrow.f.tape.dispose();
  }
});

test('linearizedSpace: a net whose Θ is not structured counts m·k steps for its build', () => {
  // f = (X·W)·W·V on 4 examples × 2 outputs: W is read twice, so Θ is built column by column (m·k = 8 VJP+JVP pairs);
  // P = 400 makes a function-space step r = 3·8²/(4·400) = 0.12 of a parameter-space one: 8/(1 − 0.12) ≈ 9.1 repay it.
  const tape = new Tape();
  const X = tape.constant(
    tensor(
      [4, 20],
      Float64Array.from({ length: 80 }, (_, i) => Math.sin(i)),
    ),
  );
  const W = tape.param(
    tensor(
      [20, 20],
      Float64Array.from({ length: 400 }, (_, i) => Math.cos(i) / 20),
    ),
  );
  const f = ops.matmul(ops.matmul(ops.matmul(X, W), W), tape.constant(tensor([20, 2], new Float64Array(40).fill(0.1))));
  const data = { X: X.value, Y: tensor([4, 2], Float64Array.of(1, 0, 0, 1, 1, 0, 0, 1)), source: 'synthetic' };
  const lin = { data, f, f0: f.value.data.slice() };
  assert.is(linearizedSpace(lin, 9, false), 'parameter');
  assert.is(linearizedSpace(lin, 10, false), 'function');
});

test('linearizedAccuracy: function and parameter space give the same test accuracy, at θ0 and after 10 GD steps; both diverge above η·λ0 = 2 at θ0', () => {
  const progress = () => {};
  const both = (theta: typeof setup.inst.init, c: number, steps: number) =>
    (['function', 'parameter'] as const).map((space) =>
      linearizedAccuracy(setup, theta, c / lambda0, steps, { progress, note: '', space }),
    );
  const [fs0, ps0] = both(setup.inst.init, 1, 2000);
  assert.ok(fs0 !== null && fs0 > 0.3, `accuracy ${fs0}`);
  assert.is(fs0, ps0);
  assert.equal(both(setup.inst.init, 3, 2000), [null, null]);
  const early = gd(setup.inst, 3 / lambda0, { steps: 10, eigEvery: 0, measureLambda: false }).params;
  const [fs10, ps10] = both(early, 3, 2000);
  assert.ok(fs10 !== null, 'the model linearized after the catapult trains');
  assert.is(fs10, ps10);
});

test('fig6 with caps that repay Θ: function space, one Θ at θ0 per seed for every η, and the accuracies of parameter space', () => {
  // Caps of 4200 (η·λ0 = 1) and 1400 (3) steps, both far past the ~33 that repay Θ's structured build.
  const o = { ...SMALL, physTime: Math.ceil((1400 * 3) / lambda0) };
  const notes: string[] = [];
  const ctx = (log: boolean) => ({ progress: (_: number, n?: string) => void (log && n && notes.push(n)), checkpoint: () => {} });
  const fsRuns = computeFig4(o, true, ctx(true)).runs;
  const builds = notes.filter((n) => / train NTK$/.test(n));
  assert.equal(
    builds.map((n) => n.replace(/^seed 0, η·λ0 = (\d+), (linearized at \d+).*/, '$1 $2')),
    ['1 linearized at 0', '1 linearized at 10', '3 linearized at 10'],
    'lin0 builds its Θ once for both η',
  );
  assert.ok(notes.some((n) => n.includes('(function space)')));
  assert.not.ok(notes.some((n) => n.includes('(parameter space)')));
  // Under a limit that Θ (2.1 MiB) exceeds, the same runs go through parameter space.
  notes.length = 0;
  const psRuns = withLimit('2M', () => computeFig4({ ...o, seeds: [0] }, true, ctx(true)).runs);
  assert.ok(notes.some((n) => n.includes('(parameter space)')));
  assert.not.ok(notes.some((n) => n.includes('(function space)')));
  assert.equal(
    fsRuns.map((r) => [r.etaLambda0, r.lin0, r.linT]),
    psRuns.map((r) => [r.etaLambda0, r.lin0, r.linT]),
  );
  assert.is(fsRuns[0].lin0 !== null && fsRuns[1].lin0 === null, true, 'lin0 diverges above η·λ0 = 2 only');
});

test.run();
