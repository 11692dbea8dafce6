// Bad input to oracle, check, sweep, merge and plot: one stderr line, exit 2; odd but valid files are handled.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import { readNpz, serializeNpz } from '../../src/io/npz';
import { tensor } from '../../src/linalg/tensor';
import { npyBytes, scratch } from './helpers';

const { run, rejects, file, cleanup } = scratch('catapult-oracle-cli-');
const oracle = ['oracle', '--model', 'warmup', '--width', '4', '--steps', '3'];
const sweep = ['sweep', '--model', 'warmup', '--width', '50', '--steps', '20', '--quiet', '--out', 'sw'];
const le = (xs: number[]) => Buffer.from(Float64Array.from(xs).buffer);
const be = (xs: number[]) => {
  const b = Buffer.alloc(8 * xs.length);
  xs.forEach((x, i) => b.writeDoubleBE(x, 8 * i));
  return b;
};
const U = [0.5, -1, 2, 0.25],
  V = [1, 1.5, -0.5, 2];
const write = (name: string, entries: Record<string, Buffer>) => fs.writeFileSync(file(name), serializeNpz(entries));

write('le.npz', { u: npyBytes('<f8', [4], le(U)), v: npyBytes('<f8', [4], le(V)) });
write('be.npz', { u: npyBytes('>f8', [4], be(U)), v: npyBytes('>f8', [4], be(V)) });
write('complex.npz', { u: npyBytes('<c16', [4], Buffer.alloc(64)), v: npyBytes('<f8', [4], le(V)) });
write('unicode.npz', { u: npyBytes('<U3', [4], Buffer.alloc(48)), v: npyBytes('<f8', [4], le(V)) });
write('noorder.npz', { u: npyBytes('|f8', [4], le(U)), v: npyBytes('<f8', [4], le(V)) });
write('column.npz', { u: npyBytes('<f8', [4, 1], le(U)), v: npyBytes('<f8', [4], le(V)) });
const whole = serializeNpz({ u: tensor([4], Float64Array.from(U)), v: tensor([4], Float64Array.from(V)) });
fs.writeFileSync(file('truncated.npz'), whole.subarray(0, whole.length - 30));
// The linear model's u (4 × 8) stored row-major and column-major (Fortran order): the same array.
const W = Array.from({ length: 32 }, (_, i) => Math.sin(i + 1));
const Wt = Array.from({ length: 32 }, (_, i) => W[(i % 4) * 8 + Math.floor(i / 4)]);
write('c-order.npz', { u: npyBytes('<f8', [4, 8], le(W)), v: npyBytes('<f8', [4], le(V)) });
write('f-order.npz', { u: npyBytes('<f8', [4, 8], le(Wt), true), v: npyBytes('<f8', [4], le(V)) });

const sha = (name: string) => JSON.parse(fs.readFileSync(file(name), 'utf8')).sha256.init as string;

test('option values: non-numeric, NaN, infinite, negative, zero, empty', () => {
  rejects([...oracle, '--lr', '1', '--steps', 'abc', '--out', 'g.json'], /--steps must be an integer ≥ 0, got 'abc'/);
  rejects([...oracle, '--lr', 'NaN', '--out', 'g.json'], /learning rate must be a number > 0/);
  rejects([...oracle, '--lr', 'inf', '--out', 'g.json'], /learning rate must be a number > 0/);
  rejects([...oracle, '--lr', '1', '--max-loss=-1', '--out', 'g.json'], /--max-loss must be a finite number > 0/);
  rejects([...oracle, '--lr', '1', '--params-every=-2', '--out', 'g.json'], /--params-every must be an integer ≥ 0/);
  rejects(['check', '--golden', 'g.json', '--tol', 'NaN'], /--tol must be a finite number ≥ 0, got 'NaN'/);
  rejects(['check', '--golden', 'g.json', '--tol', 'Infinity'], /--tol must be a finite number ≥ 0, got 'Infinity'/);
  rejects(['check', '--golden', 'g.json', '--tol=-1e-9'], /--tol must be a finite number ≥ 0/);
  rejects([...sweep, '--workers', 'two'], /--workers must be an integer ≥ 1, got 'two'/);
  rejects([...sweep, '--workers', '0'], /--workers must be an integer ≥ 1, got '0'/);
  rejects([...sweep, '--time', 'inf'], /--time must be a finite number > 0/);
  rejects([...sweep, '--time=-25'], /--time must be a finite number > 0/);
  rejects(['sweep', '--model', 'warmup', '--widths', '0,100', '--quiet', '--out', 'sw'], /--widths must be distinct integers in \[1, /);
  rejects(['sweep', '--model', 'warmup', '--widths', '100,x', '--quiet', '--out', 'sw'], /--widths must be distinct integers/);
  rejects([...sweep, '--seeds=-1'], /--seeds must be distinct integers in \[0, 4294967295\]/);
  rejects([...sweep, '--lrs', ''], /--lrs needs a value/);
  rejects([...sweep, '--lrs', '2x:1x:0.5x'], /has stop < start/);
  rejects([...sweep, '--lrs', '0.5x:1x:0x'], /grid bound '0x' must be a number > 0/);
  rejects([...sweep, '--width', '10', '--widths', '10,20'], /--width and --widths both set the grid/);
});

test('choices, combinations and shards', () => {
  rejects(
    ['oracle', '--model', 'mlp', '--act', 'gelu', '--lr', '1', '--out', 'g.json'],
    /--act must be one of relu\|tanh\|identity, got 'gelu'/,
  );
  rejects([...oracle, '--lr', '1', '--rng', 'philox', '--out', 'g.json'], /--rng must be one of numpy, got 'philox'/);
  rejects([...oracle, '--lr', '1', '--out', 'g.txt'], /--out must end in \.json or \.npz/);
  rejects([...oracle, '--lr', '1', '--seed', '1', '--init', 'le.npz', '--out', 'g.json'], /--seed and --init both give the initialization/);
  rejects([...sweep, '--shard', '3/3'], /--shard 3\/3 is out of range: need 0 ≤ i < N/);
  rejects([...sweep, '--shard', '0/0'], /--shard 0\/0 is out of range/);
  rejects([...sweep, '--shard', '1'], /--shard must be i\/N/);
  rejects([...sweep, '--init', 'le.npz'], /--init is not supported/);
});

test('files: missing, truncated, wrong dtype or shape; big-endian and Fortran order are read correctly', () => {
  rejects(['check', '--golden', 'nope.json'], /nope\.json: no such file/);
  rejects([...oracle, '--lr', '1', '--init', 'nope.npz', '--out', 'g.json'], /nope\.npz: no such file/);
  rejects([...oracle, '--lr', '1', '--init', 'truncated.npz', '--out', 'g.json'], /truncated\.npz: truncated zip archive/);
  rejects([...oracle, '--lr', '1', '--init', 'complex.npz', '--out', 'g.json'], /unsupported dtype '<c16'/);
  rejects([...oracle, '--lr', '1', '--init', 'unicode.npz', '--out', 'g.json'], /unsupported dtype '<U3'/);
  rejects([...oracle, '--lr', '1', '--init', 'noorder.npz', '--out', 'g.json'], /dtype '\|f8' has no byte order/);
  rejects([...oracle, '--lr', '1', '--init', 'column.npz', '--out', 'g.json'], /array 'u' has shape \(4, 1\), expected \(4,\)/);
  for (const f of ['le', 'be']) assert.is(run([...oracle, '--lr', '1', '--init', `${f}.npz`, '--out', `${f}.json`]).code, 0);
  assert.is(sha('be.json'), sha('le.json'), 'big-endian init gives the same parameters');
  const linear = ['oracle', '--model', 'linear', '--steps', '2', '--lr', '0.5x'];
  for (const f of ['c-order', 'f-order']) assert.is(run([...linear, '--init', `${f}.npz`, '--out', `${f}.json`]).code, 0);
  assert.is(sha('f-order.json'), sha('c-order.json'), 'a Fortran-ordered init gives the same parameters');
});

test('golden files: cut short, another schema version, not a golden file', () => {
  assert.is(run([...oracle, '--lr', '1', '--out', 'g.json']).code, 0);
  assert.is(run([...oracle, '--lr', '1', '--out', 'g.npz']).code, 0);
  const text = fs.readFileSync(file('g.json'), 'utf8');
  fs.writeFileSync(file('cut.json'), text.slice(0, text.length >> 1));
  rejects(['check', '--golden', 'cut.json'], /cut\.json: not valid JSON .*cut short/);
  const npz = fs.readFileSync(file('g.npz'));
  fs.writeFileSync(file('cut.npz'), npz.subarray(0, npz.length - 100));
  rejects(['check', '--golden', 'cut.npz'], /cut\.npz: truncated zip archive/);
  fs.writeFileSync(file('v1.json'), text.replace('"schema_version":2', '"schema_version":1'));
  rejects(['check', '--golden', 'v1.json'], /v1\.json: golden schema version 1 is not supported \(this catapult reads version 2\)/);
  rejects(['check', '--golden', 'le.npz'], /le\.npz: not a catapult golden file/);
  fs.writeFileSync(file('other.json'), '{"hello": 1}');
  rejects(['check', '--golden', 'other.json'], /not a catapult golden file/);
});

test('sweep directories: merge and plot of non-sweeps, a different sweep in --out, conflicting shards', () => {
  fs.mkdirSync(file('empty'), { recursive: true });
  rejects(['merge', 'empty', '--out', 'm'], /empty: not a sweep directory \(no sweep\.json\)/);
  rejects(['merge', '--out', 'm'], /merge needs the sweep directories/);
  rejects(['plot', 'empty'], /empty: not a sweep directory/);
  assert.is(run([...sweep, '--lrs', '0.5x,1x']).code, 0);
  rejects([...sweep, '--lrs', '0.5x,1.5x'], /sw holds a different sweep \(config\.grid\.lrs\.1: "1x" vs "1\.5x"/);
  fs.cpSync(file('sw'), file('sw-copy'), { recursive: true });
  const lines = fs.readFileSync(file('sw-copy/results.jsonl'), 'utf8').split('\n');
  lines[0] = lines[0].replace(/"peak_loss":[^,]+/, '"peak_loss":123');
  fs.writeFileSync(file('sw-copy/results.jsonl'), lines.join('\n'));
  rejects(['merge', 'sw', 'sw-copy', '--out', 'm'], /conflicting results for width 50, seed 0, lr 0\.5x in sw and sw-copy \(peak_loss/);
  assert.is(run(['sweep', '--model', 'warmup', '--width', '50', '--steps', '30', '--quiet', '--out', 'sw30', '--lrs', '0.5x,1x']).code, 0);
  rejects(['merge', 'sw', 'sw30', '--out', 'm'], /sw30 is a different sweep from sw \(config\.train\.steps: 30 vs 20\)/);
});

test('overflow: a run whose loss reaches inf is recorded as diverged at its step, and no NaN or inf is written', () => {
  const r = run([
    'sweep',
    '--model',
    'warmup',
    '--width',
    '100',
    '--lrs',
    '1x,6x',
    '--max-loss',
    '1e308',
    '--steps',
    '200',
    '--quiet',
    '--out',
    'ovf',
  ]);
  assert.is(r.code, 0, r.stderr);
  const text = fs.readFileSync(file('ovf/results.jsonl'), 'utf8');
  assert.not.match(text, /NaN|Infinity/);
  const [ok, blown] = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.is(ok.diverged_at, null);
  assert.ok(Number.isInteger(blown.diverged_at) && blown.diverged_at > 0, `diverged_at ${blown.diverged_at}`);
  assert.is(blown.diverged_reason, 'loss is not finite');
  assert.is(blown.final_loss, null);
  assert.is(blown.phase, 'divergent');
  const g = run([
    'oracle',
    '--model',
    'warmup',
    '--width',
    '100',
    '--lr',
    '6x',
    '--max-loss',
    '1e308',
    '--steps',
    '200',
    '--out',
    'ovf.json',
  ]);
  assert.match(g.stdout, /diverged at step \d+: loss is not finite/);
  const golden = JSON.parse(fs.readFileSync(file('ovf.json'), 'utf8'));
  assert.is(golden.result.diverged.step, golden.result.steps_run);
  assert.is(golden.loss[golden.loss.length - 1], null, 'the overflowed loss is null, flagged by result.diverged');
  assert.is(run(['check', '--golden', 'ovf.json']).code, 0);
});

test('--init: float32 arrays are widened exactly, and a golden .npz is reusable as --init (its init_ arrays)', () => {
  const f4 = (xs: number[]) => Buffer.from(Float32Array.from(xs).buffer);
  write('f4.npz', { u: npyBytes('<f4', [4], f4(U)), v: npyBytes('<f4', [4], f4(V)) });
  const lambda0 = (dir: string) => JSON.parse(fs.readFileSync(file(`${dir}/summary.json`), 'utf8')).lambda0 as number;
  const train = (init: string, out: string) =>
    run(['train', '--model', 'warmup', '--init', init, '--lr', '1x', '--steps', '2', '--quiet', '--out', out]);
  assert.is(train('le.npz', 'i64').code, 0);
  assert.is(train('f4.npz', 'i32').code, 0);
  assert.is(lambda0('i32'), lambda0('i64'), 'U and V are exact in float32, so λ0 is bit-equal');
  assert.is(run([...oracle, '--lr', '1x', '--out', 'as-init.npz']).code, 0);
  const r = train('as-init.npz', 'from-golden');
  assert.is(r.code, 0, r.stderr);
  const g = run(['check', '--golden', 'as-init.npz']);
  assert.is(g.code, 0, g.stderr);
  // The golden's config records λ0 of the same initial parameters.
  const meta = JSON.parse(Buffer.from(readNpz(file('as-init.npz')).get('meta')!.data).toString('utf8'));
  assert.is(lambda0('from-golden'), meta.config.lambda0);
});

test.after(cleanup);
test.run();
