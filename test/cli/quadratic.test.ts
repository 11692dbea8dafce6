// `--model quadratic --base KIND` on the command line: bad input is one line and exit 2; summary.json records the base; --init gives θ0.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { scratch } from './helpers';

const { dir, run, rejects, cleanup } = scratch('catapult-quadratic-');
const train = ['train', '--steps', '3', '--quiet', '--lr', '1x'];
/** A quadratic run of a small mlp into `out`, with `more` options. */
const quadratic = (out: string, ...more: string[]) => [
  ...train,
  '--out',
  out,
  '--model',
  'quadratic',
  '--base',
  'mlp',
  '--samples',
  '4',
  ...more,
];

test('--base without --model quadratic', () =>
  rejects([...train, '--out', 'o', '--model', 'mlp', '--base', 'mlp'], /--base does not apply with --model mlp/));
test('--model quadratic without --base', () => rejects([...train, '--out', 'o', '--model', 'quadratic'], /--model quadratic needs --base/));
test('--model quadratic without --base, with a base option', () =>
  rejects([...train, '--out', 'o', '--model', 'quadratic', '--width', '8'], /--model quadratic needs --base/));
test('unknown base', () =>
  rejects(
    [...train, '--out', 'o', '--model', 'quadratic', '--base', 'resnet'],
    /--base must be one of warmup\|linear\|mlp\|cnn\|wrn, got 'resnet'/,
  ));
test('--base quadratic', () =>
  rejects([...train, '--out', 'o', '--model', 'quadratic', '--base', 'quadratic'], /--base must be one of .*, got 'quadratic'/));
test("an option of another base: the base's options apply, others are refused naming both", () =>
  rejects(
    [...train, '--out', 'o', '--model', 'quadratic', '--base', 'cnn', '--act', 'tanh'],
    /--act does not apply with --model quadratic --base cnn \(only with --model mlp\)/,
  ));

test('summary.json records the model as quadratic with the base under model.base; --init replays the same run from θ0', () => {
  const r = run(quadratic('q', '--width', '16', '--depth', '2', '--act', 'tanh'));
  assert.is(r.code, 0, r.stderr);
  const summary = JSON.parse(fs.readFileSync(path.join(dir, 'q', 'summary.json'), 'utf8'));
  assert.equal(summary.model, {
    kind: 'quadratic',
    base: {
      kind: 'mlp',
      width: 16,
      depth: 2,
      act: 'tanh',
      param: 'ntk',
      sigmaW: Math.SQRT2,
      sigmaB: 0,
      outputs: 1,
      inputDim: 8,
      loss: 'mse',
    },
    inputDim: 8,
    outputs: 1,
    loss: 'mse',
  });
  assert.is(summary.seed, 0);
  // θ0 of the base mlp at --seed 0, written by a zero-step base run, as --init: the quadratic run is the same.
  assert.is(
    run([
      'train',
      '--steps',
      '0',
      '--quiet',
      '--lr',
      '1',
      '--out',
      'b',
      '--model',
      'mlp',
      '--width',
      '16',
      '--samples',
      '4',
      '--depth',
      '2',
      '--act',
      'tanh',
      '--save-params',
      'init.npz',
    ]).code,
    0,
  );
  const again = run(quadratic('r', '--init', 'init.npz', '--act', 'tanh'));
  assert.is(again.code, 0, again.stderr);
  const replay = JSON.parse(fs.readFileSync(path.join(dir, 'r', 'summary.json'), 'utf8'));
  assert.is(replay.seed, null);
  assert.equal(replay.model, summary.model, 'width and depth from the --init file');
  assert.is(replay.final_loss, summary.final_loss);
  assert.is(replay.lambda0, summary.lambda0);
});

test.after(cleanup);
test.run();
