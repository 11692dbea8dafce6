// A sweep killed with SIGKILL mid-run, then rerun, ends with exactly the full set of results: no duplicates, no torn lines.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import { spawn } from 'child_process';
import { BIN, scratch } from './helpers';

const { dir, run, file, cleanup } = scratch('catapult-kill-');
// 12 runs of ~0.1 s each: slow enough to kill in the middle, fast enough for CI.
const ARGS = [
  'sweep',
  '--model',
  'warmup',
  '--widths',
  '4000',
  '--seeds',
  '0,1,2',
  '--lrs',
  '0.5x:2x:0.5x',
  '--steps',
  '400',
  '--converge',
  '1e-300',
  '--quiet',
];

const lines = (name: string) => fs.readFileSync(file(name), 'utf8');

/** Starts the sweep in a child, SIGKILLs it once `after` results are on disk, and resolves with how many were. */
function killMidway(out: string, after: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...ARGS, '--workers', '2', '--out', out], { cwd: dir, stdio: 'ignore' });
    const results = file(`${out}/results.jsonl`);
    const poll = setInterval(() => {
      const n = fs.existsSync(results) ? fs.readFileSync(results, 'utf8').split('\n').length - 1 : 0;
      if (n >= after) {
        clearInterval(poll);
        child.kill('SIGKILL');
      }
    }, 5);
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      if (signal !== 'SIGKILL') return reject(new Error(`the sweep ended (code ${code}) before it was killed; make the runs longer`));
      resolve(fs.readFileSync(results, 'utf8').split('\n').length - 1);
    });
  });
}

test('SIGKILL mid-sweep, rerun: the full set, no duplicates, identical to an uninterrupted run', async () => {
  const ref = run([...ARGS, '--workers', '1', '--out', 'ref']);
  assert.is(ref.code, 0, ref.stderr);
  const killedWith = await killMidway('killed', 3);
  assert.ok(killedWith >= 3 && killedWith < 12, `killed with ${killedWith} of 12 results on disk`);
  assert.ok(fs.existsSync(file('killed/sweep.lock')), 'the killed sweep left its lock behind');
  const resumed = run([...ARGS, '--workers', '2', '--out', 'killed']);
  assert.is(resumed.code, 0, resumed.stderr);
  assert.match(resumed.stdout, new RegExp(`${12 - killedWith} ran now .* ${killedWith} were already done`));
  const text = lines('killed/results.jsonl');
  const keys = text
    .trim()
    .split('\n')
    .map((l) => {
      const r = JSON.parse(l);
      return `${r.width}/${r.seed}/${r.lr}`;
    });
  assert.is(keys.length, 12);
  assert.is(new Set(keys).size, 12, 'no duplicates');
  assert.is(text, lines('ref/results.jsonl'), 'bitwise identical to the uninterrupted run on 1 worker');
  assert.not.ok(fs.existsSync(file('killed/sweep.lock')), 'lock released');
});

test('a torn last line (a write cut short) is cut off on resume and its run redone', () => {
  fs.cpSync(file('ref'), file('torn'), { recursive: true });
  const full = lines('ref/results.jsonl');
  const cut = full.lastIndexOf('\n', full.length - 2) + 40; // the last line, 40 bytes in
  fs.writeFileSync(file('torn/results.jsonl'), full.slice(0, cut));
  const r = run([...ARGS, '--out', 'torn']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /1 ran now .* 11 were already done/);
  assert.is(lines('torn/results.jsonl'), full);
});

test.after(cleanup);
test.run();
