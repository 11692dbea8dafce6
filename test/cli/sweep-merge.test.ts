// The CLI's exit codes around sweeps: an incomplete merge exits 1 ("N runs missing"), a --data file replaced mid-sweep exits 2.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import { spawn } from 'child_process';
import { serializeNpz } from '../../src/io/npz';
import { tensor } from '../../src/linalg/tensor';
import { BIN, scratch } from './helpers';

const { dir, run, file, cleanup } = scratch('catapult-sweep-merge-');
const SWEEP = ['sweep', '--model', 'warmup', '--width', '50', '--seeds', '0,1', '--lrs', '0.5x,1x,1.5x', '--steps', '20', '--quiet'];

test('merge of some shards only: writes what it has, prints "N runs missing" and exits 1; of all of them exits 0', () => {
  for (const i of [0, 1]) assert.is(run([...SWEEP, '--shard', `${i}/2`, '--out', `shard${i}`]).code, 0);
  const partial = run(['merge', 'shard0', '--out', 'merged']);
  assert.is(partial.code, 1, partial.stderr);
  assert.match(partial.stdout, /merged 1 directory: 3 of 6 runs/);
  assert.equal(partial.stderr.trimEnd().split('\n'), ['catapult: merge: 3 runs missing; rerun the unfinished shards, then merge again']);
  assert.is(fs.readFileSync(file('merged/results.jsonl'), 'utf8').trim().split('\n').length, 3, 'the partial merge is written');
  const full = run(['merge', 'shard0', 'shard1', '--out', 'merged']);
  assert.is(full.code, 0, full.stderr);
  assert.is(full.stderr, '');
  assert.match(full.stdout, /6 of 6 runs/);
});

test('merge --help says that an incomplete merge exits 1', () => {
  assert.match(run(['merge', '--help']).stdout, /Exits 1 when runs are missing/);
});

/** X (32 × 8) and Y for --data; `scale` makes other bytes. */
function writeData(name: string, scale: number): void {
  const X = Float64Array.from({ length: 32 * 8 }, (_, i) => scale * Math.sin(1.7 * i));
  const Y = Float64Array.from({ length: 32 }, (_, i) => Math.cos(i));
  fs.writeFileSync(file(name), serializeNpz({ X: tensor([32, 8], X), Y: tensor([32, 1], Y) }));
}

test('--data replaced while the sweep runs: one line naming the file, exit 2, and no run on the new bytes kept', async () => {
  writeData('d.npz', 1);
  writeData('other.npz', 2);
  // 8 runs of ~0.3 s on one worker, seed 0's four first: seed 1 reads the data after the swap.
  const args = [...['sweep', '--model', 'mlp', '--data', 'd.npz', '--width', '256', '--seeds', '0,1'], '--lrs', '0.5x,1x,1.5x,1.9x'];
  const child = spawn(process.execPath, [BIN, ...args, '--steps', '600', '--converge', '1e-300', '--quiet', '--out', 'sw'], { cwd: dir });
  let stderr = '';
  child.stderr.on('data', (b) => (stderr += b));
  const results = file('sw/results.jsonl');
  const poll = setInterval(() => {
    if (fs.existsSync(results) && fs.readFileSync(results, 'utf8').includes('\n')) {
      clearInterval(poll);
      fs.renameSync(file('other.npz'), file('d.npz')); // replaced, as a copy or a download would
    }
  }, 5);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(poll);
  assert.is(code, 2, stderr);
  const lines = stderr.trimEnd().split('\n');
  assert.is(lines.length, 1, stderr);
  assert.match(lines[0], /^catapult: error: d\.npz changed while the sweep ran \(its SHA-256 is not the one in sw\/sweep\.json\)/);
  const seeds = fs
    .readFileSync(results, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).seed);
  assert.ok(!seeds.includes(1), `seed 1 read the new bytes and must not be kept: ${seeds}`);
});

test.after(cleanup);
test.run();
