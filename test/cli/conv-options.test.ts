// The cnn/wrn and schedule options on the command line: every bad value or combination is one line and exit 2.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import { loadClassification } from '../../src/data';
import { makeModel } from '../../src/models';
import { setup } from '../../src/experiments';
import { writeNpz } from '../../src/io/npz';
import { tensor } from '../../src/linalg/tensor';
import { rejects } from '../util';
import { scratch } from './helpers';

const s = scratch('catapult-conv-cli-');
const cnn = ['ntk', '--model', 'cnn', '--input-shape', '1,6,6', '--samples', '3'];
const trainCnn = [
  'train',
  '--model',
  'cnn',
  '--arch',
  'conv:2,gap,dense:1',
  '--input-shape',
  '1,6,6',
  '--samples',
  '3',
  '--lr',
  '0.1',
  '--quiet',
];

/** A cnn on 1×6×6 inputs with this spec (library level: the same one-line errors the CLI prints, without a process each). */
const cnnModel = (arch: string | undefined) =>
  makeModel({
    kind: 'cnn',
    arch,
    inputShape: [1, 6, 6],
    inputDim: 36,
    param: 'ntk',
    sigmaW: 1,
    sigmaB: 0,
    width: 1,
    depth: 1,
    act: 'relu',
    outputs: 1,
  });

test('bad --arch specs are one-line errors naming the layer', () => {
  rejects(() => cnnModel(undefined), /the cnn model needs --arch/);
  rejects(() => cnnModel('conv:2,dense:1'), /--arch: dense needs features, got an image \(2, 6, 6\)/);
  rejects(() => cnnModel('conv:0,gap,dense:1'), /--arch: 'conv:0' needs a positive integer/);
  rejects(() => cnnModel('conv:2:s3,gap,dense:1'), /unknown conv option 's3'/);
  rejects(() => cnnModel('conv:2,,gap,dense:1'), /--arch: empty layer/);
  rejects(() => cnnModel('conv:2:valid:k7,gap,dense:1'), /a 7×7 VALID conv does not fit a 6×6 input/);
  rejects(() => cnnModel('maxpool:8,gap,dense:1'), /maxpool:8 does not fit a 6×6 input/);
  rejects(() => cnnModel('pool,dense:1'), /--arch: unknown layer 'pool'/);
  rejects(() => cnnModel('conv:2,maxpool:2'), /must end in features/);
  rejects(() => cnnModel('flatten,conv:2,dense:1'), /conv needs an image \(C, H, W\) input/);
});

test('--input-shape, --depth/--widen and options of other models: exit 2, one line', () => {
  s.rejects([...cnn, '--arch', 'conv:2,dense:1'], /--arch: dense needs features/);
  s.rejects(
    ['ntk', '--model', 'cnn', '--arch', 'gap,dense:1', '--input-shape', '1,6'],
    /--input-shape must be three positive integers C,H,W/,
  );
  s.rejects(['ntk', '--model', 'mlp', '--arch', 'gap,dense:1'], /--arch does not apply with --model mlp/);
  s.rejects(['ntk', '--model', 'wrn', '--input-shape', '1,8,8', '--depth', '12'], /--depth of a WRN must be 6n \+ 4/);
  s.rejects(['ntk', '--model', 'wrn', '--input-shape', '1,8,8', '--width', '3'], /--width does not apply with --model wrn/);
});

test('--decay-at/--final-lr/--final-steps and --augment: one-line errors', () => {
  s.rejects([...trainCnn, '--decay-at', '1'], /--decay-at needs --final-lr/);
  s.rejects([...trainCnn, '--final-lr', '0.1'], /--final-lr needs --decay-at/);
  s.rejects([...trainCnn, '--decay-at', '1', '--final-lr', '0.1', '--steps', '5'], /--steps and --decay-at both set the run length/);
  s.rejects(['train', '--model', 'mlp', '--lr', '0.1', '--augment', 'flip'], /--augment does not apply with --model mlp/);
});

test('a decayed, augmented cnn run writes the physical time and its schedule', () => {
  const r = s.run([
    ...trainCnn,
    '--decay-at',
    '0.2',
    '--final-lr',
    '0.05',
    '--final-steps',
    '2',
    '--augment',
    'flip,crop:1',
    '--out',
    'run',
  ]);
  assert.is(r.code, 0, r.stderr);
  const csv = fs.readFileSync(s.file('run/trajectory.csv'), 'utf8').trim().split('\n');
  assert.equal(
    csv.slice(1).map((l: string) => Number(l.split(',')[1])),
    [0, 0.1, 0.2, 0.2 + 0.05, 0.2 + 0.1],
  );
});

test('a cnn golden file (oracle) passes its own check; --data takes X as (m, C, H, W) images', () => {
  const made = s.run([
    'oracle',
    '--model',
    'cnn',
    '--arch',
    'conv:2,bn,relu,maxpool:2,flatten,dense:2',
    '--input-shape',
    '1,4,4',
    '--samples',
    '3',
    '--lr',
    '1x',
    '--steps',
    '2',
    '--out',
    'g.json',
  ]);
  assert.is(made.code, 0, made.stderr);
  const checked = s.run(['check', '--golden', 'g.json']);
  assert.is(checked.code, 0, checked.stderr);
  assert.match(checked.stdout, /check passed/);
  // The same images as (m, 1, 4, 4) and as (m, 16) give the same λ0, with the image shape taken from X.
  const X = Float64Array.from({ length: 48 }, (_, i) => Math.sin(i));
  const Y = Float64Array.from({ length: 6 }, (_, i) => (i % 2 ? 1 : -1));
  writeNpz(s.file('img.npz'), { X: tensor([3, 1, 4, 4], X), Y: tensor([3, 2], Y) });
  writeNpz(s.file('flat.npz'), { X: tensor([3, 16], X), Y: tensor([3, 2], Y) });
  const lambda = (data: string, shape: string[]) => {
    const r = s.run(['ntk', '--model', 'cnn', '--arch', 'conv:2,relu,gap,dense:2', '--data', data, ...shape]);
    assert.is(r.code, 0, r.stderr);
    return /λ1 = (\S+)/.exec(r.stdout)![1];
  };
  assert.is(lambda('img.npz', []), lambda('flat.npz', ['--input-shape', '1,4,4']));
});

test('--dataset npz:FILE with X of shape (m, C, H, W): the images keep their shape for the cnn', () => {
  const m = 8,
    X = Float64Array.from({ length: m * 18 }, (_, i) => Math.cos(i));
  writeNpz(s.file('images.npz'), {
    X: tensor([m, 2, 3, 3], X),
    labels: tensor(
      [m],
      Float64Array.from({ length: m }, (_, i) => i % 2),
    ),
  });
  const c = loadClassification(`npz:${s.file('images.npz')}`, { trainSize: 4, testSize: 4, seed: 0 });
  assert.equal(c.train.X.shape, [4, 18]);
  assert.equal(c.train.imageShape, [2, 3, 3]);
  const run = setup({ model: 'cnn', arch: 'conv:2,relu,gap,dense:2', dataset: `npz:${s.file('images.npz')}`, trainSize: 4, testSize: 4 });
  assert.equal(run.model.config.inputShape, [2, 3, 3]);
  assert.equal(run.model.specs[0].shape, [2, 2, 3, 3]);
});

test.after(() => s.cleanup());
test.run();
