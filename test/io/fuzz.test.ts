// Generated hostile inputs for every reader (.npy, .npz, IDX, golden JSON/.npz): truncations, byte flips, header edits.
// Each must parse or fail with one plain Error line naming the file: never a TypeError, a RangeError or a hang.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as zlib from 'zlib';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { mulberry32 } from '../../src/random/mulberry32';
import { parseNpy, serializeNpy } from '../../src/io/npy';
import { parseNpz, serializeNpz } from '../../src/io/npz';
import { parseIdx } from '../../src/io/idx';
import { tensor } from '../../src/linalg/tensor';
import { buildZip } from './zip';
import { makeGolden, parseLr, readGolden, setup, writeGolden } from '../../src/experiments';

const CASES = 250;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-fuzz-'));

/** Mutations of `good`: cut at a random length, 1–4 random bytes flipped, or a random run of bytes overwritten. */
function* mutations(good: Buffer, seed: number): Generator<Buffer> {
  const next = mulberry32(seed);
  const at = (n: number) => Math.floor(next() * n);
  for (let i = 0; i < CASES; i++) {
    const b = Buffer.from(good);
    const kind = i % 3;
    if (kind === 0) {
      yield b.subarray(0, at(b.length));
      continue;
    }
    const flips = kind === 1 ? 1 + at(4) : 0;
    for (let f = 0; f < flips; f++) b[at(b.length)] ^= 1 << at(8);
    if (kind === 2) {
      const p = at(b.length),
        len = 1 + at(8);
      for (let j = p; j < Math.min(b.length, p + len); j++) b[j] = at(256);
    }
    yield b;
  }
}

/** Runs `parse` on every mutation; returns how many were rejected, failing on anything but a one-line Error naming `name`. */
function fuzz(name: string, good: Buffer, seed: number, parse: (b: Buffer) => unknown): number {
  let rejected = 0;
  for (const b of mutations(good, seed)) {
    try {
      parse(b);
    } catch (e) {
      rejected++;
      assert.instance(e, Error);
      const err = e as Error;
      assert.is(err.constructor, Error, `${name}: a ${err.constructor.name} (${err.message}) for a mutated input`);
      assert.not.match(err.message, /\n/, `${name}: one line: ${err.message}`);
      assert.ok(err.message.startsWith(name), `${name}: the message names the file: ${err.message}`);
    }
  }
  return rejected;
}

const X = tensor(
  [3, 4],
  Float64Array.from({ length: 12 }, (_, i) => Math.sin(i) * 10 ** (i - 6)),
);

test('.npy: mutated files parse or fail with one line', () => {
  const n = fuzz('x.npy', serializeNpy(X), 1, (b) => parseNpy(b, 'x.npy'));
  assert.ok(n > CASES / 3, `most mutations are rejected (${n})`);
});

test('.npz (stored and deflated): mutated archives parse or fail with one line', () => {
  const stored = serializeNpz({ X, Y: tensor([3], Float64Array.of(1, -1, 0)) });
  fuzz('s.npz', stored, 2, (b) => parseNpz(b, 's.npz'));
  // np.savez_compressed's layout: streamed local headers, deflated entries.
  const deflated = buildZip([
    { name: 'X.npy', data: serializeNpy(X), method: 8 },
    { name: 'Y.npy', data: serializeNpy(X), method: 8 },
  ]);
  fuzz('d.npz', deflated, 3, (b) => parseNpz(b, 'd.npz'));
});

test('IDX (raw and gzipped): mutated files parse or fail with one line', () => {
  const header = Buffer.from([0, 0, 0x08, 2, 0, 0, 0, 3, 0, 0, 0, 4]);
  const raw = Buffer.concat([header, Buffer.from(Array.from({ length: 12 }, (_, i) => i * 20))]);
  fuzz('a.idx', raw, 4, (b) => parseIdx(b, 'a.idx'));
  fuzz('a.idx.gz', zlib.gzipSync(raw), 5, (b) => parseIdx(b, 'a.idx.gz'));
});

test('golden .json and .npz: mutated files read or fail with one line (the schema and consistency checks run first)', () => {
  const so = { model: 'mlp' as const, width: 4, depth: 1, samples: 3, inputDim: 2, param: 'standard' as const, sigmaB: 0 };
  const g = makeGolden(setup(so), so, {
    lr: parseLr('1x'),
    steps: 4,
    momentum: 0,
    l2: 0,
    eigEvery: 1,
    maxLoss: 1e12,
    convergeFraction: 1e-8,
    paramsEvery: 2,
  });
  for (const ext of ['json', 'npz']) {
    const file = path.join(dir, `g.${ext}`);
    writeGolden(file, g);
    const good = fs.readFileSync(file);
    const bad = path.join(dir, `bad.${ext}`);
    fuzz(bad, good, ext === 'json' ? 6 : 7, (b) => {
      fs.writeFileSync(bad, b);
      return readGolden(bad);
    });
  }
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
