// Options declared once: refused flags, suggestions, per-command help, decimal-only numbers, and the new mlp flags.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { scratch } from './helpers';
import { readNpz } from '../../src/io/npz';

const { dir, run, rejects, cleanup } = scratch('catapult-options-');
const train = ['train', '--steps', '2', '--quiet', '--out', 'o'];

test('an option the model does not use is refused, not recorded', () => {
  rejects(
    [...train, '--model', 'linear', '--act', 'tanh', '--lr', '1'],
    /--act does not apply with --model linear \(only with --model mlp\)/,
  );
  rejects([...train, '--model', 'warmup', '--sigma-w', '9', '--lr', '1'], /--sigma-w does not apply with --model warmup/);
  rejects([...train, '--model', 'warmup', '--samples', '9', '--lr', '1'], /--samples does not apply with --model warmup/);
});

test('a misspelled flag gets a suggestion', () =>
  rejects([...train, '--model', 'warmup', '--lr', '1', '--stpes', '3'], /unknown option '--stpes' \(did you mean --steps\?\)/));
test('a misspelled command gets a suggestion', () => rejects(['trian'], /unknown command 'trian' \(did you mean train\?\)/));

test('a flag of another command is refused, naming the commands that take it', () => {
  rejects(
    ['figure', 'fig2', '--steps', '3', '--out', 'o'],
    /figure does not use --steps \(train, phase-sweep, oracle, precision, sweep do\)/,
  );
  rejects(['check', '--golden', 'g.json', '--lr', '1'], /check does not use --lr \(train, oracle, precision do\)/);
});

test('a figure that would ignore --width refuses it', () =>
  rejects(['figure', 'logn', '--width', '500', '--out', 'o'], /logn takes no --width: its widths n = 10² … 10⁶ are the study/));

test('--full where no figure has paper sizes beyond its defaults is refused', () => {
  rejects(['figure', 'fig2', '--full', '--out', 'o'], /fig2 runs at the paper's sizes already; --full applies to .*fig4/);
  rejects(['reproduce', '--full', '--out', 'o'], /--full: fig2, figS1, full, figS12, boundaries, logn run at the paper's sizes already/);
});

test('figure --dataset: the image figures take it, the others refuse it', () => {
  rejects(
    ['figure', 'fig2', '--dataset', 'mnist', '--out', 'o'],
    /fig2 takes no --dataset \(it builds its own data\); --dataset applies to .*fig4/,
  );
  rejects(['reproduce', '--suite', 'linear', '--dataset', 'mnist', '--out', 'o'], /--dataset: none of fig2, .* trains on images/);
});

test('oracle and sweep refuse --track instead of dropping it', () => {
  rejects(
    ['oracle', '--model', 'warmup', '--lr', '1', '--track', 'hessian', '--out', 'g.json'],
    /--track is not supported by oracle: golden files record λ \(the NTK's\) only/,
  );
  rejects(
    ['sweep', '--model', 'warmup', '--lrs', '1x', '--track', 'hessian', '--quiet', '--out', 'sw'],
    /--track is not supported by sweep/,
  );
});

test('a negative value is a value (then checked), not "ambiguous"', () => {
  rejects(['check', '--golden', 'g.json', '--tol', '-1'], /--tol must be a finite number ≥ 0, got '-1'/);
  rejects([...train, '--model', 'warmup', '--lr', '1', '--width', '-5'], /--width must be an integer ≥ 1, got '-5'/);
});

test('numbers are decimal: hex, binary and digit separators are refused', () => {
  rejects([...train, '--model', 'warmup', '--lr', '1', '--steps', '0x10'], /--steps must be an integer ≥ 0, got '0x10'/);
  rejects([...train, '--model', 'warmup', '--lr', '1', '--width', '0b11'], /--width must be an integer ≥ 1, got '0b11'/);
  rejects(['check', '--golden', 'g.json', '--tol', '1_0'], /--tol must be a finite number ≥ 0, got '1_0'/);
});

test('--seed and --init together are refused by every command that builds a model', () => {
  rejects([...train, '--model', 'warmup', '--lr', '1', '--seed', '1', '--init', 'x.npz'], /--seed and --init both give the initialization/);
  rejects(['ntk', '--model', 'warmup', '--seed', '1', '--init', 'x.npz'], /--seed and --init both give the initialization/);
});

test("catapult <command> --help prints that command's own options on stdout, exit 0", () => {
  const r = run(['train', '--help']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /Usage: catapult train \[options\]/);
  for (const flag of ['--steps <T>', '--eig-every <K>', '--track <ntk|hessian>', '--readout-sigma-w <S>', '--lr <η|Cx>'])
    assert.ok(r.stdout.includes(flag), flag);
  assert.not.ok(r.stdout.includes('--lrs'), "train does not list phase-sweep's --lrs");
  assert.match(r.stdout, /--steps <T> +GD steps \(records t = 0 … T\) \(default 1000\)/);
  const o = run(['oracle', '--help']);
  assert.match(o.stdout, /--steps <T> .*\(default 100\)/); // oracle's own default, the one it runs with
  assert.not.ok(o.stdout.includes('--track'), 'oracle does not offer --track');
  const g = run(['check', '-h']);
  assert.match(g.stdout, /--golden <FILE>/);
});

test('catapult with no command prints the usage on stderr and exits 2', () => {
  const r = run([]);
  assert.is(r.code, 2);
  assert.match(r.stderr, /^usage: catapult <command> \[options\]/);
  assert.match(r.stderr, /phase-sweep +train every η of a grid/);
});

test('readoutSigmaW, bias and norm are settable from the CLI and recorded in summary.json', () => {
  const r = run([
    'train',
    '--model',
    'mlp',
    '--width',
    '8',
    '--depth',
    '2',
    '--samples',
    '4',
    '--input-dim',
    '3',
    '--readout-sigma-w',
    '1',
    '--bias',
    'false',
    '--norm',
    'layer',
    '--lr',
    '0.5x',
    '--steps',
    '2',
    '--quiet',
    '--out',
    'mlp',
    '--save-params',
    'p.npz',
  ]);
  assert.is(r.code, 0, r.stderr);
  const s = JSON.parse(fs.readFileSync(path.join(dir, 'mlp', 'summary.json'), 'utf8'));
  assert.is(s.model.readoutSigmaW, 1);
  assert.is(s.model.bias, false);
  assert.is(s.model.norm, 'layer');
  assert.equal([...readNpz(path.join(dir, 'p.npz')).keys()], ['W0', 'W1', 'W2'], 'no biases with --bias false');
  rejects([...train, '--model', 'mlp', '--lr', '1', '--bias', 'no'], /--bias must be true or false, got 'no'/);
  rejects([...train, '--model', 'mlp', '--lr', '1', '--norm', 'batch'], /--norm must be one of none\|layer, got 'batch'/);
});

test('importing the engine starts no backend; the first kernel call picks the default', () => {
  const root = path.resolve(__dirname, '../../src');
  const script = `const k = require(${JSON.stringify(path.join(root, 'linalg/kernels.js'))});
    require(${JSON.stringify(path.join(root, 'experiments/index.js'))});
    const before = k.kernelsChosen();
    const x = new Float64Array([1, 2, 3]);
    const dot = k.kernels.ddot(3, x, 1, 0, x, 1, 0);
    const info = require(${JSON.stringify(path.join(root, 'linalg/backend.js'))}).backendInfo();
    console.log(JSON.stringify({ before, after: k.kernelsChosen(), dot, name: info.name }));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, CATAPULT_BACKEND: 'wasm' } });
  assert.is(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout), { before: false, after: true, dot: 14, name: 'wasm' });
});

test.after(cleanup);
test.run();
