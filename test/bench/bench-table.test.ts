// docs/backends.md's performance table is rendered from bench/results by scripts/bench-table.js: fresh, with — for what old files lack.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../../..');
const script = require(path.join(ROOT, 'scripts', 'bench-table.js')) as {
  render: (dir?: string) => string;
  replaceBlock: (doc: string, block: string) => string;
};

function resultsDir(files: Record<string, object>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-bench-table-'));
  for (const [name, body] of Object.entries(files)) fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(body));
  return dir;
}

test("docs/backends.md's table is the one rendered from bench/results (regenerated, not hand-edited)", () => {
  const doc = fs.readFileSync(path.join(ROOT, 'docs', 'backends.md'), 'utf8');
  assert.equal(script.replaceBlock(doc, script.render()), doc, 'run node scripts/bench-table.js --write');
});

test('fields an older results file lacks print as —, and a file without load records says —', () => {
  const out = script.render(resultsDir({ training: { date: '2026-12-01T12:09:30.916Z', gd: { nativeSeconds: [0.11, 0.064] } } }));
  assert.match(out, /\| physical limit: .* \| — \/ — GFLOP\/s \|/);
  assert.match(out, /MLP GD step .* \| 64\.0 \/ 110\.0 ms \| — \/ — \| — \/ — \|/);
  assert.match(out, /\| training\.json \| 2026-12-01T12:09Z \| —, — CPUs, — \| — → — \| — \|/);
});

test('the physical-limit row, the MLP step as a fraction of it, and each run’s load and verdict', () => {
  const nominal = { gflops: 80, cores: 2, derivation: '2 cores × 2.5 GHz × 16 flop/cycle = 80.0 GFLOP/s' };
  const out = script.render(
    resultsDir({
      peak: {
        nominal,
        achievable: [
          { threads: 1, gflops: 50 },
          { threads: 2, gflops: 100 },
        ],
        load: { before: [0.1, 0, 0], after: [1.9, 0, 0] },
        loaded: false,
      },
      training: {
        gd: { gemmFlopsPerStep: 4e9, nativeSeconds: [0.1, 0.08] },
        load: { before: [3.2, 0, 0], after: [3.1, 0, 0] },
        loaded: true,
      },
    }),
  );
  assert.match(out, /\| 50\.0 \/ 100\.0 GFLOP\/s \| +\| +\| nominal 80\.0 GFLOP\/s: 2 cores × 2\.5 GHz/);
  // 4 GFLOP in 0.08 s = 50 GFLOP/s: 50 % of the 2-thread dgemm, 62 % of 80; 40 GFLOP/s on 1: 80 % of 50, 100 % of 40.
  assert.match(
    out,
    /gemm at 50\.0 \/ 40\.0 GFLOP\/s, 50 % of the dgemm peak, 63 % of nominal on 2 threads, 80 % of the dgemm peak, 100 % of nominal on 1/,
  );
  assert.match(out, /\| peak\.json \| — \| .* \| 0\.10 → 1\.90 \| quiet \|/);
  assert.match(out, /\| training\.json \| — \| .* \| 3\.20 → 3\.10 \| LOADED \|/);
});

test.run();
