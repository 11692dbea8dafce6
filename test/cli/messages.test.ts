// Messages that name what is wrong (the file, field or option), never an internal's words; and numbers in lists read
// as decimal, like every scalar option.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import { serializeNpz } from '../../src/io/npz';
import { decodeIdx } from '../../src/io/idx';
import { tensor } from '../../src/linalg/tensor';
import { scratch } from './helpers';
import { rejects as throwsLine } from '../util';

const { run, rejects, file, cleanup } = scratch('catapult-messages-');
const train = ['train', '--steps', '2', '--quiet', '--out', 'o'];
const sweep = ['sweep', '--model', 'warmup', '--width', '4', '--steps', '3', '--quiet'];

test('hex, octal and binary numbers are refused in lists as in scalars', () => {
  rejects([...train, '--model', 'warmup', '--lr', '0x10'], /^catapult: error: learning rate must be a number > 0, .*got '0x10'$/);
  rejects(
    ['sweep', '--model', 'warmup', '--steps', '3', '--lrs', '1x', '--widths', '0x10,0o21', '--out', 's'],
    /^catapult: error: --widths must be distinct integers .*got '0x10,0o21'$/,
  );
  rejects(
    [...sweep, '--lrs', '1x', '--seeds', '0x1,0b10', '--out', 's'],
    /^catapult: error: --seeds must be distinct integers .*got '0x1,0b10'$/,
  );
  rejects([...sweep, '--lrs', '0x1x,0b10x', '--out', 's'], /^catapult: error: learning rate must be a number > 0, .*got '0x1x'$/);
  rejects(
    [...train, '--model', 'mlp', '--lr', '1', '--dataset', 'synthetic', '--classes', '0x1,2'],
    /^catapult: error: --classes must be distinct non-negative integer labels .*got '0x1,2'$/,
  );
});

test('a golden file whose arrays do not match their digest is named', () => {
  assert.is(run(['oracle', '--model', 'warmup', '--width', '4', '--lr', '1x', '--steps', '3', '--out', 'g.json']).code, 0);
  const g = JSON.parse(fs.readFileSync(file('g.json'), 'utf8'));
  g.init.u[0] += 1;
  fs.writeFileSync(file('edited.json'), JSON.stringify(g));
  rejects(
    ['check', '--golden', 'edited.json'],
    /^catapult: error: edited\.json: its initial parameters \(init\) do not match its sha256\.init; the file is corrupt$/,
  );
});

test('JSON nested 100,000 deep is refused, not a stack overflow', () => {
  assert.is(run([...sweep, '--lrs', '1x', '--out', 'deep']).code, 0);
  const header = fs.readFileSync(file('deep/sweep.json'), 'utf8');
  fs.writeFileSync(file('deep/sweep.json'), header.replace('"config":', `"deep": ${'['.repeat(1e5)}${']'.repeat(1e5)}, "config":`));
  const nested = /^catapult: error: deep\/sweep\.json: JSON nested more than 64 levels deep \(not a file catapult writes\)$/;
  rejects([...sweep, '--lrs', '1x', '--out', 'deep'], nested);
  rejects(['merge', 'deep'], nested);
  fs.writeFileSync(file('deep.json'), `${'['.repeat(1e5)}${']'.repeat(1e5)}`);
  rejects(['check', '--golden', 'deep.json'], /^catapult: error: deep\.json: JSON nested more than 64 levels deep/);
});

test('λ0 = 0 or an overflowing NTK names the cause and the options, not the learning rate or Lanczos', () => {
  const zero =
    /^catapult: error: --lr 1x is a multiple of 2\/λ0, but λ0 \(the NTK's top eigenvalue\) is 0 at initialization, so η would be Infinity \(.*--sigma-w\); give an absolute η$/;
  rejects([...train, '--model', 'mlp', '--width', '8', '--sigma-w', '1e-320', '--lr', '1x'], zero);
  fs.writeFileSync(file('zero.npz'), serializeNpz({ X: tensor([4, 2]), Y: tensor([4, 1], Float64Array.of(1, 2, 3, 4)) }));
  rejects([...train, '--model', 'linear', '--width', '8', '--data', 'zero.npz', '--lr', '1x'], zero);
  rejects(
    [...train, '--model', 'mlp', '--width', '8', '--sigma-w', '1e308', '--lr', '1x'],
    /^catapult: error: λ \(the NTK's top eigenvalue\): the outputs f are not finite .*too large a --sigma-w or --sigma-b, or too large inputs$/,
  );
});

test('a synthetic input dimension too large is refused naming --input-dim', () =>
  rejects(
    [...train, '--model', 'mlp', '--width', '8', '--dataset', 'synthetic', '--input-dim', '1e6', '--lr', '1'],
    /^catapult: error: synthetic data of 1510 examples \(train-size 510, test-size 1000\) × input-dim 1000000 would need [\d.]+ GiB, over the memory limit/,
  ));

test('sweep names --time when t·η falls past any step, and a loss above --max-loss at step 0 is a divergence, as in train', () => {
  rejects(
    [...sweep, '--lrs', '1x', '--time', '1e308', '--out', 't'],
    /^catapult: error: width 4, seed 0, lr 1x: --time 1e\+308 at η = [\d.e-]+ is step Infinity, beyond any step count \(give a smaller --time\)$/,
  );
  const r = run([...sweep, '--lrs', '1x', '--max-loss', '0.01', '--out', 'm']);
  assert.is(r.code, 0, r.stderr);
  const result = JSON.parse(fs.readFileSync(file('m/results.jsonl'), 'utf8').trim());
  assert.is(result.diverged_at, 0);
  assert.match(result.diverged_reason, /^loss [\d.]+ exceeded 0\.01$/);
});

test('an IDX header of 255 dimensions gives a short message naming the file', () => {
  const header = Buffer.alloc(4 + 4 * 255);
  header[2] = 0x08;
  header[3] = 255;
  for (let i = 0; i < 255; i++) header.writeUInt32BE(2, 4 + 4 * i);
  throwsLine(
    () => decodeIdx(Buffer.concat([header, Buffer.alloc(8)]), 'deep.idx'),
    /^deep\.idx: truncated IDX data \(shape \(2, 2, 2, 2, …, 2, 2\) \(255 dimensions\) of ubyte/,
  );
  try {
    decodeIdx(Buffer.concat([header, Buffer.alloc(8)]), 'deep.idx');
  } catch (e) {
    assert.ok((e as Error).message.length < 300, `${(e as Error).message.length} characters`);
  }
});

test.after(cleanup);
test.run();
