// The explorer's URL state: every parameter parsed by its declaration, each bad one reported beside itself, the rest still set.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { carriedQuery, parseState, runnable, stateQuery } from '../../src/explore/state';
import { VIEWS, VIEW_NAMES, lrFromEtaLambda0 } from '../../src/explore/params';
import { phasesCliArgs } from '../../src/explore/phases';
import { parseLr } from '../../src/experiments/run/lr';

test('the issue example URL parses to a runnable phases state', () => {
  const s = parseState('?view=phases&model=warmup&width=1000&seed=0&lr=3x&steps=200');
  assert.is(s.view, 'phases');
  assert.equal(s.errors, {});
  assert.ok(runnable(s));
  assert.equal(s.values, {
    model: 'warmup',
    width: 1000,
    seed: 0,
    lr: { value: 3, unit: 'crit' },
    steps: 200,
    // The mlp's parameters keep their defaults (and do not apply to warmup).
    depth: 1,
    act: 'relu',
    param: 'ntk',
    dataset: 'gaussian',
  });
});

test('defaults fill what the URL leaves out, and stateQuery writes every parameter back', () => {
  const s = parseState('?view=surface');
  assert.equal(Object.keys(s.texts), Object.keys(VIEWS.surface));
  const again = parseState(stateQuery('surface', s.texts));
  assert.equal(again.values, s.values);
  assert.ok(stateQuery('phases', { model: 'mlp', width: '30' }).startsWith('?view=phases&model=mlp&width=30'));
});

test('bad inputs: each error names its parameter, as the CLI words it; the others keep their values', () => {
  const s = parseState('?view=phases&width=-3&seed=NaN&lr=0x&steps=10');
  assert.match(s.errors.width, /^--width must be an integer in \[1, 20000\], got '-3'$/);
  assert.match(s.errors.seed, /^--seed must be an integer in \[0, 4294967295\], got 'NaN'$/);
  assert.match(s.errors.lr, /learning rate must be a number > 0/);
  assert.is((s.values as { steps: number }).steps, 10);
  assert.not.ok(runnable(s));
  assert.match(parseState('?view=phases&model=resnet').errors.model, /--model must be one of warmup\|linear\|mlp, got 'resnet'/);
});

test('unknown views and parameters are errors of the URL as a whole', () => {
  assert.match(parseState('?view=nope').errors._, /unknown view 'nope' \(choose phases, surface, diagram, eos\)/);
  assert.match(parseState('?view=phases&wdith=3').errors._, /the phases view does not use 'wdith'/);
  assert.match(parseState('?view=diagram&from=3&to=2').errors.to, /--to must be > --from/);
  assert.match(parseState('?view=diagram&widths=10,10').errors.widths, /distinct integers/);
});

test('the η·λ0 slider writes --lr as the CLI takes it, and the CLI arguments name every option', () => {
  assert.is(lrFromEtaLambda0(3), '1.5x');
  assert.is(lrFromEtaLambda0(0.3), '0.15x');
  assert.is(lrFromEtaLambda0(4.15), '2.075x');
  const mlpOnly = { depth: 3, act: 'tanh', param: 'standard', dataset: 'synthetic' } as const;
  const args = phasesCliArgs({ model: 'linear', width: 50, seed: 3, lr: parseLr('0.7'), steps: 20, ...mlpOnly });
  assert.equal(args, ['train', '--model', 'linear', '--width', '50', '--seed', '3', '--lr', '0.7', '--steps', '20']);
  assert.equal(VIEW_NAMES, ['phases', 'surface', 'diagram', 'eos']);
});

test('switching views keeps the shared parameters that are valid in both', () => {
  const q = carriedQuery(parseState('?view=phases&model=mlp&width=300&seed=4&lr=1.2x&steps=3000'), 'surface');
  // steps 3000 is beyond the surface view's 2000: that view takes its own default there.
  assert.is(q, '?view=surface&width=300&seed=4&lr=1.2x');
  assert.is(carriedQuery(parseState('?view=phases&width=-1&seed=3'), 'diagram'), '?view=diagram&seed=3');
});

test("only what differs from the view's defaults is carried: the Edge-of-stability tab opens on its own default run", () => {
  // The phases defaults (depth 1, 200 steps) would turn the eos run into one far below the edge (S·η/2 = 0.26).
  assert.is(carriedQuery(parseState('?view=phases'), 'eos'), '?view=eos');
  assert.is(carriedQuery(parseState('?view=phases&model=mlp&width=1000&seed=0&lr=1.5x&steps=200&depth=1'), 'eos'), '?view=eos');
  assert.is(
    carriedQuery(parseState('?view=phases&model=mlp&width=64&seed=5&depth=2&steps=300'), 'eos'),
    '?view=eos&width=64&depth=2&steps=300&seed=5',
  );
  assert.is(carriedQuery(parseState('?view=eos&lr=0.1&steps=300'), 'phases'), '?view=phases&lr=0.1&steps=300');
});

test.run();
