// Result files record only the model and setup fields that apply: a cnn has no width, a standard net read from --init no σ.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { hasNumpy } from '../util';
import { scratch } from './helpers';

const { run, file, cleanup } = scratch('catapult-applied-');
const READER = path.resolve(__dirname, '../../../python/catapult_golden.py');
const json = (name: string) => JSON.parse(fs.readFileSync(file(name), 'utf8'));
const ok = (args: string[]) => {
  const r = run(args);
  assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  return r;
};

test('a cnn golden records no width, depth or act, and no setup option a cnn does not take', () => {
  ok(
    ['oracle', '--model', 'cnn', '--arch', 'conv:2:k3,relu,flatten,dense:1', '--input-shape', '1,8,8', '--samples', '4'].concat([
      '--lr',
      '0.5x',
      '--steps',
      '3',
      '--out',
      'cnn.json',
    ]),
  );
  const g = json('cnn.json');
  for (const key of ['width', 'depth', 'act']) assert.not.ok(key in g.config.model, `config.model.${key}`);
  for (const key of ['width', 'depth', 'act', 'inputDim', 'outputs']) assert.not.ok(key in g.config.setup, `config.setup.${key}`);
  assert.is(g.config.model.inputDim, 64);
  assert.match(ok(['check', '--golden', 'cnn.json']).stdout, /cnn model conv:2:k3,relu,flatten,dense:1 on 1×8×8, η/);
});

test('a standard net from --init reports no σ (summary.json and golden), one drawn from --seed does', () => {
  const net = ['--model', 'mlp', '--width', '8', '--samples', '4', '--input-dim', '2', '--param', 'standard'];
  ok(['train', ...net, '--lr', '0.5x', '--steps', '3', '--save-params', 'p.npz', '--out', 'seeded', '--quiet']);
  const seeded = json('seeded/summary.json').model;
  assert.equal([seeded.sigmaW, seeded.sigmaB], [Math.SQRT2, 0]);
  const fromFile = [
    '--model',
    'mlp',
    '--param',
    'standard',
    '--init',
    'p.npz',
    '--samples',
    '4',
    '--input-dim',
    '2',
    '--lr',
    '0.5x',
    '--steps',
    '3',
  ];
  ok(['train', ...fromFile, '--out', 'loaded', '--quiet']);
  const loaded = json('loaded/summary.json').model;
  assert.ok(!('sigmaW' in loaded) && !('sigmaB' in loaded), JSON.stringify(loaded));
  assert.is(loaded.width, 8);
  ok(['oracle', ...fromFile, '--out', 'std.json']);
  const g = json('std.json');
  assert.ok(!('sigmaW' in g.config.model) && !('sigmaW' in g.config.setup) && !('seed' in g.config.setup), JSON.stringify(g.config));
  ok(['check', '--golden', 'std.json']);
  if (hasNumpy) {
    const py = spawnSync('python3', [READER, file('std.json')], { encoding: 'utf8' });
    assert.is(py.status, 0, py.stdout + py.stderr);
  }
});

test.after(cleanup);
test.run();
