// `train --checkpoint-every N` and `--resume`: a run killed and resumed writes the bytes of the run never stopped; a resume of another run is refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BIN, scratch } from './helpers';
import { parseNpz, serializeNpz } from '../../src/io/npz';
import { serializeNpyBytes } from '../../src/io/npy';
import { Tensor, tensor } from '../../src/linalg/tensor';

const { dir, run, rejects, file, cleanup } = scratch('catapult-resume-');

// A small tanh net that reaches the edge of stability (2/η = 4) within a few steps.
const NET = ['--model', 'mlp', '--act', 'tanh', '--param', 'standard', '--width', '8', '--depth', '2'];
const DATA = ['--samples', '12', '--input-dim', '3'];
/** Every file a run writes that holds its numbers. */
const OUTPUTS = ['trajectory.csv', 'trajectory.json', 'summary.json', 'params.npz'];

const train = (out: string, args: string[]) => [
  'train',
  ...NET,
  ...DATA,
  ...args,
  '--quiet',
  '--out',
  out,
  '--save-params',
  `${out}/params.npz`,
];

/** The uninterrupted run into `out`. */
function whole(out: string, args: string[]): void {
  const r = run(train(out, args));
  assert.is(r.code, 0, r.stderr);
}

/** Resumes the run in `out` and checks that every output is byte for byte the uninterrupted run's in `reference`. */
function resumeMatches(out: string, args: string[], reference: string): void {
  const r = run([...train(out, args), '--resume']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /resuming at step \d+ from/);
  for (const f of OUTPUTS)
    assert.ok(fs.readFileSync(file(`${out}/${f}`)).equals(fs.readFileSync(file(`${reference}/${f}`))), `${f} differs`);
}

/** What a kill leaves: no summary or params, and trajectory.csv cut in the middle of a row past the checkpoint's step. */
function asKilled(out: string, keepRows: number): void {
  ['trajectory.json', 'summary.json', 'params.npz'].forEach((f) => fs.rmSync(file(`${out}/${f}`)));
  const lines = fs.readFileSync(file(`${out}/trajectory.csv`), 'utf8').split('\n');
  fs.writeFileSync(file(`${out}/trajectory.csv`), lines.slice(0, keepRows + 1).join('\n') + '\n' + lines[keepRows + 1].slice(0, 7));
}

test('central flow: killed (SIGKILL) after its first checkpoint and resumed, every output is bitwise the uninterrupted run', async () => {
  // A checkpoint every step: the kill lands while trajectory.csv still buffers rows, unless the checkpoint synced them.
  // 40 steps (about 2 s after the first checkpoint here) so that the kill lands before the end on a loaded machine too:
  // at 9 steps a run whose far-below-the-edge stages cost one Lanczos could finish before the poll saw its checkpoint.
  const args = ['--lr', '0.5', '--steps', '40', '--eig-every', '0', '--flow', 'central', '--checkpoint-every', '1'];
  whole('central', args);
  const child = spawn(process.execPath, [BIN, ...train('killed', args)], { cwd: dir, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  for (let waited = 0; !fs.existsSync(file('killed/checkpoint.npz')); waited += 5) {
    assert.ok(waited < 60_000, 'no checkpoint within a minute');
    await new Promise((r) => setTimeout(r, 5));
  }
  child.kill('SIGKILL');
  await exited;
  assert.not.ok(fs.existsSync(file('killed/summary.json')), 'the run was killed before it finished');
  fs.appendFileSync(file('killed/trajectory.csv'), '99,0.5,0.12'); // a row torn by the kill
  resumeMatches('killed', args, 'central');
});

test('gradient flow with λ every other step: resumed from the checkpoint at step 8 of 10, bitwise the uninterrupted run', () => {
  const args = ['--lr', '0.5', '--steps', '10', '--eig-every', '2', '--flow', 'gradient', '--checkpoint-every', '4'];
  whole('gradient', args);
  whole('gradient-cut', args);
  asKilled('gradient-cut', 9);
  resumeMatches('gradient-cut', args, 'gradient');
});

test('GD with momentum 0.9 and the Hessian tracked, and SGD: resumed, bitwise the uninterrupted runs', () => {
  for (const [name, extra] of [
    ['momentum', ['--momentum', '0.9', '--track', 'hessian']],
    ['sgd', ['--batch', '5', '--momentum', '0.5']],
  ] as const) {
    const args = ['--lr', '0.3', '--steps', '40', ...extra, '--checkpoint-every', '15'];
    whole(name, args);
    whole(`${name}-cut`, args);
    asKilled(`${name}-cut`, 33);
    resumeMatches(`${name}-cut`, args, name);
  }
});

test('a resume may run longer: --steps 10 from the last checkpoint of a 6-step run is the 10-step run', () => {
  const args = ['--lr', '0.5', '--eig-every', '0', '--flow', 'gradient', '--checkpoint-every', '3'];
  whole('long', [...args, '--steps', '10']);
  whole('short', [...args, '--steps', '6']);
  resumeMatches('short', [...args, '--steps', '10'], 'long');
});

test('a resume of another run, or from a missing or broken checkpoint or trajectory, is one line naming what differs', () => {
  const args = ['--lr', '0.5', '--steps', '6', '--eig-every', '0', '--flow', 'central', '--checkpoint-every', '3'];
  whole('base', args);
  const resume = (extra: string[], out = 'base') => [...train(out, [...args, ...extra]), '--resume'];
  const swap = (flagName: string, value: string) => {
    const i = args.indexOf(flagName);
    return [...args.slice(0, i), flagName, value, ...args.slice(i + 2)];
  };
  rejects([...train('base', swap('--lr', '0.4')), '--resume'], /--resume: --lr is "0\.4" here but "0\.5" in base\/checkpoint\.npz/);
  rejects([...train('base', swap('--flow', 'gradient')), '--resume'], /--resume: --flow is "gradient" here but "central"/);
  rejects(resume(['--converge', '1e-6']), /--resume: --converge is 0\.000001 here but 1e-8 in/);
  rejects(resume(['--flow-alpha', '0.25']), /--resume: --flow-alpha is 0\.25 here but not given in/);
  rejects(resume(['--steps', '2']), /base\/checkpoint\.npz is at step 6, past --steps 2/);
  rejects(['train', ...NET, ...DATA, ...args, '--resume', '--out', 'nowhere'], /nowhere\/checkpoint\.npz: no such file/);
  rejects(['train', ...NET, ...DATA, '--lr', '0.5', '--resume'], /--resume needs --checkpoint-every/);
  rejects(
    ['train', ...NET, ...DATA, '--lr', '0.5', '--precision', 'dd', '--checkpoint-every', '2'],
    /--checkpoint-every does not apply with --precision dd/,
  );

  const broken = (name: string, bytes: Buffer) => {
    fs.mkdirSync(file(name), { recursive: true });
    fs.copyFileSync(file('base/trajectory.csv'), file(`${name}/trajectory.csv`));
    fs.writeFileSync(file(`${name}/checkpoint.npz`), bytes);
  };
  broken('garbage', Buffer.from('not a zip archive at all'));
  rejects(resume([], 'garbage'), /garbage\/checkpoint\.npz/);
  broken('foreign', serializeNpz({ W0: tensor([1], Float64Array.of(1)) }));
  rejects(resume([], 'foreign'), /foreign\/checkpoint\.npz: not a catapult checkpoint/);
  const good = fs.readFileSync(file('base/checkpoint.npz'));
  broken('truncated', good.subarray(0, good.length - 40));
  rejects(resume([], 'truncated'), /truncated\/checkpoint\.npz/);

  fs.writeFileSync(
    file('base/trajectory.csv'),
    fs.readFileSync(file('base/trajectory.csv'), 'utf8').split('\n').slice(0, 4).join('\n') + '\n',
  );
  rejects(resume([]), /base\/trajectory\.csv: holds 3 whole rows, but the checkpoint is at step 6/);
});

test('a checkpoint of other kernels or another engine, or with a forged description or arrays, is refused naming the file', () => {
  const args = ['--lr', '0.5', '--steps', '4', '--checkpoint-every', '2'];
  assert.is(run(['--backend', 'js', ...train('kernels', args)]).code, 0);
  rejects(['--backend', 'wasm', ...train('kernels', args), '--resume'], /made on the js kernels, this run has \S+ \(--backend\)/);
  /** The run's checkpoint rewritten by `edit` (its description as an object, its arrays by name). */
  const forged = (name: string, edit: (meta: Record<string, unknown>, arrays: Map<string, Tensor | Buffer>) => void) => {
    fs.cpSync(file('kernels'), file(name), { recursive: true });
    const arrays = new Map<string, Tensor | Buffer>(parseNpz(fs.readFileSync(file(`${name}/checkpoint.npz`))));
    const meta = JSON.parse(Buffer.from((arrays.get('checkpoint') as Tensor).data).toString('utf8'));
    edit(meta, arrays);
    arrays.set('checkpoint', serializeNpyBytes(Buffer.from(JSON.stringify(meta))));
    fs.writeFileSync(file(`${name}/checkpoint.npz`), serializeNpz(arrays));
    return ['--backend', 'js', ...train(name, args), '--resume'];
  };
  rejects(
    forged('engine', (m) => (m.engine = '0.0.1')),
    /engine\/checkpoint\.npz was written by catapult 0\.0\.1, this is/,
  );
  rejects(
    forged('step', (m) => delete m.step),
    /step\/checkpoint\.npz: the checkpoint's step is missing or malformed/,
  );
  rejects(
    forged('tally', (m) => ((m.tally as Record<string, unknown>).loss0 = 'lots')),
    /tally\/checkpoint\.npz: the checkpoint's tally\.loss0 is missing or malformed/,
  );
  rejects(
    forged('nan', (_m, a) => a.set('W1', tensor([8, 8], new Float64Array(64).fill(NaN)))),
    /nan\/checkpoint\.npz: array 'W1' contains NaN/,
  );
  rejects(
    forged('shape', (_m, a) => a.set('b0', tensor([7], new Float64Array(7)))),
    /shape\/checkpoint\.npz: array 'b0' has shape \(7,\), expected \(8,\)/,
  );
});

test('another data file at the same path is refused; a fresh run removes a checkpoint left in --out', () => {
  const data = (seed: number) =>
    serializeNpz({
      X: tensor(
        [6, 3],
        Float64Array.from({ length: 18 }, (_, i) => Math.sin(i + seed)),
      ),
      Y: tensor([6, 1], new Float64Array(6).fill(0.5)),
    });
  fs.writeFileSync(file('d.npz'), data(0));
  const args = ['train', ...NET, '--data', 'd.npz', '--lr', '0.1', '--steps', '4', '--checkpoint-every', '2', '--quiet', '--out', 'data'];
  assert.is(run(args).code, 0);
  fs.writeFileSync(file('d.npz'), data(1));
  rejects([...args, '--resume'], /--resume: the data are not those data\/checkpoint\.npz was made on/);
  assert.is(run(args.filter((a, i) => a !== '--checkpoint-every' && args[i - 1] !== '--checkpoint-every')).code, 0);
  assert.not.ok(fs.existsSync(path.join(dir, 'data/checkpoint.npz')));
});

test.after(cleanup);
test.run();
