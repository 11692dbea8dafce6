// Cross-checks against real numpy (when python3 + numpy exist): .npz/.npy interchange both ways and RandomState streams.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { readNpz, writeNpz } from '../../src/io/npz';
import { readNpy, writeNpy } from '../../src/io/npy';
import { RandomState, correctlyRoundedLog } from '../../src/random/randomState';
import { tensor, Tensor } from '../../src/linalg/tensor';
import { hasNumpy, ulpDistance } from '../util';

const SEEDS = [0, 1, 42, 2 ** 32 - 1];
const NORMALS_PER_CALL = 100001; // odd, so the cached second variate crosses the call boundary
const UNIFORMS = 10000;

/** Writes reference files with numpy: archives, side files of raw '<f8' bytes, and RandomState streams. */
const GENERATE = `
import sys, json, math, numpy as np
d = sys.argv[1]
rs = np.random.RandomState(7)
arrays = {
  'X': rs.standard_normal((5, 7)),
  'Y': np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, 2.2250738585072014e-308 / 3, 1.7976931348623157e308, -1 / 3]),
  'odd': np.asfortranarray(np.arange(24.0).reshape(2, 3, 4) * 0.1),
  'scalar': np.array(3.5),
  'empty': np.zeros((0, 3)),
  'ints': np.arange(-5, 5, dtype=np.int64),
  'f32': np.linspace(-1, 1, 7, dtype=np.float32),
  'bigend': np.arange(6.0).reshape(2, 3).astype('>f8'),
}
np.savez(d + '/plain.npz', **arrays)
np.savez_compressed(d + '/comp.npz', **arrays)
np.save(d + '/fortran.npy', arrays['odd'])
np.save(d + '/bigend.npy', arrays['bigend'])
meta = {}
for k, a in arrays.items():
  open(d + '/' + k + '.bin', 'wb').write(np.ascontiguousarray(a, dtype='<f8').tobytes())
  meta[k] = list(a.shape)
json.dump(meta, open(d + '/meta.json', 'w'))
for s in ${JSON.stringify(SEEDS)}:
  open(d + '/u32_%d.bin' % s, 'wb').write(np.random.RandomState(s).randint(0, 2**32, size=${UNIFORMS}, dtype=np.uint64).astype('<u4').tobytes())
  open(d + '/uni_%d.bin' % s, 'wb').write(np.random.RandomState(s).random_sample(${UNIFORMS}).tobytes())
  r = np.random.RandomState(s)
  first = r.standard_normal(${NORMALS_PER_CALL})
  second = r.standard_normal(${NORMALS_PER_CALL})
  open(d + '/norm_%d.bin' % s, 'wb').write(np.concatenate([first, second]).tobytes())
for s in ${JSON.stringify(SEEDS)}:
  r = np.random.RandomState(s)
  perms = np.concatenate([r.permutation(n) for n in (1, 2, 10, 1000, 70000)])
  open(d + '/perm_%d.bin' % s, 'wb').write(perms.astype('<i4').tobytes())
x = np.random.RandomState(3).random_sample(200000)
open(d + '/logx.bin', 'wb').write(x.tobytes())
open(d + '/logy.bin', 'wb').write(np.array([math.log(v) for v in x]).tobytes())
`;

/** Loads our files with numpy, checks them bit for bit, and checks our .npy bytes equal np.save's; exits 1 on mismatch. */
const VERIFY = `
import sys, io, json, numpy as np
d = sys.argv[1]
keys = json.load(open(d + '/ours_keys.json'))
z = np.load(d + '/ours.npz')
bad = []
if list(z.files) != keys: bad.append('npz keys %r != %r' % (z.files, keys))
for k in keys:
  expected = open(d + '/js_' + k + '.bin', 'rb').read()
  a = z[k]
  if a.dtype != np.dtype('<f8') or a.tobytes() != expected: bad.append('npz array %s differs' % k)
  b = np.load(d + '/ours_' + k + '.npy')
  if b.dtype != np.dtype('<f8') or b.tobytes() != expected: bad.append('npy array %s differs' % k)
  buf = io.BytesIO(); np.save(buf, b)
  if buf.getvalue() != open(d + '/ours_' + k + '.npy', 'rb').read(): bad.append('npy bytes for %s differ from np.save' % k)
if bad:
  print('; '.join(bad), file=sys.stderr); sys.exit(1)
`;

function python(script: string, dir: string): void {
  const run = spawnSync('python3', ['-c', script, dir], { encoding: 'utf8' });
  assert.is(run.status, 0, `python failed: ${run.stderr}`);
}

const read64 = (file: string) => {
  const b = fs.readFileSync(file);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const bytesOf = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

if (!hasNumpy) {
  console.log('skipped: python3 with numpy not found');
  test('numpy interop (skipped: python3 with numpy not found)', () => {});
} else {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-numpy-'));
  test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  test.before(() => python(GENERATE, dir));

  test('np.savez and np.savez_compressed archives load bit-exactly (fortran, big-endian, int, float32 included)', () => {
    const meta = JSON.parse(fs.readFileSync(path.join(dir, 'meta.json'), 'utf8')) as Record<string, number[]>;
    for (const archive of ['plain.npz', 'comp.npz']) {
      const arrays = readNpz(path.join(dir, archive));
      assert.equal([...arrays.keys()], Object.keys(meta), `${archive} keys in archive order`);
      for (const [key, shape] of Object.entries(meta)) {
        const t = arrays.get(key)!;
        assert.equal(t.shape, shape, `${archive}:${key} shape`);
        assert.ok(bytesOf(t.data).equals(fs.readFileSync(path.join(dir, `${key}.bin`))), `${archive}:${key} bits`);
      }
    }
    assert.ok(bytesOf(readNpy(path.join(dir, 'fortran.npy')).data).equals(fs.readFileSync(path.join(dir, 'odd.bin'))), 'fortran .npy');
    assert.ok(bytesOf(readNpy(path.join(dir, 'bigend.npy')).data).equals(fs.readFileSync(path.join(dir, 'bigend.bin'))), 'big-endian .npy');
  });

  test('our .npz loads in numpy bit-exactly and our .npy bytes equal np.save output', () => {
    const fromNumpy = readNpz(path.join(dir, 'plain.npz'));
    const ours = new Map<string, Tensor>(fromNumpy);
    const specials = [-0, NaN, Infinity, -Infinity, 5e-324, 1e-310, Math.PI];
    ours.set('vec', tensor([3], new Float64Array([1, -0, 5e-324])));
    ours.set(
      'cube',
      tensor(
        [2, 3, 4],
        Float64Array.from({ length: 24 }, (_, i) => specials[i % 7] * (i + 1)),
      ),
    );
    ours.set('empty1', tensor([0]));
    ours.set(
      'long',
      tensor(
        [100000],
        Float64Array.from({ length: 100000 }, (_, i) => Math.sin(i)),
      ),
    );
    writeNpz(path.join(dir, 'ours.npz'), ours);
    for (const [key, t] of ours) {
      writeNpy(path.join(dir, `ours_${key}.npy`), t);
      fs.writeFileSync(path.join(dir, `js_${key}.bin`), bytesOf(t.data));
    }
    fs.writeFileSync(path.join(dir, 'ours_keys.json'), JSON.stringify([...ours.keys()]));
    python(VERIFY, dir);
  });

  test('RandomState: raw MT19937 words and random_sample() are bit-exact for seeds 0, 1, 42, 2^32-1', () => {
    for (const seed of SEEDS) {
      const words = fs.readFileSync(path.join(dir, `u32_${seed}.bin`));
      const rs = new RandomState(seed);
      for (let i = 0; i < UNIFORMS; i++) assert.is(rs.nextUint32(), words.readUInt32LE(4 * i), `seed ${seed} word ${i}`);
      const uniforms = read64(path.join(dir, `uni_${seed}.bin`));
      const rs2 = new RandomState(seed);
      for (let i = 0; i < UNIFORMS; i++) assert.ok(Object.is(rs2.randomDouble(), uniforms[i]), `seed ${seed} double ${i}`);
    }
  });

  test("RandomState.permutation equals numpy's legacy permutation (successive calls of n = 1, 2, 10, 1000, 70000)", () => {
    for (const seed of SEEDS) {
      const bytes = fs.readFileSync(path.join(dir, `perm_${seed}.bin`));
      const expected = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
      const rs = new RandomState(seed);
      const actual = Int32Array.from([1, 2, 10, 1000, 70000].flatMap((n) => Array.from(rs.permutation(n))));
      assert.is(actual.length, expected.length);
      for (let i = 0; i < actual.length; i++)
        if (actual[i] !== expected[i]) assert.unreachable(`seed ${seed}: entry ${i} is ${actual[i]}, numpy ${expected[i]}`);
    }
  });

  test('RandomState: MT19937 words match @stdlib/random-base-mt19937 (independent JS reference)', () => {
    // stdlib seeds a scalar with init_genrand like numpy, but rejects seed 0 ("must be a positive integer"),
    // so seed 0 is covered by the numpy comparison only.
    const stdlib = require('@stdlib/random-base-mt19937') as { factory(options: { seed: number }): () => number };
    for (const seed of SEEDS.filter((s) => s > 0)) {
      const reference = stdlib.factory({ seed });
      const rs = new RandomState(seed);
      for (let i = 0; i < UNIFORMS; i++) assert.is(rs.nextUint32(), reference(), `seed ${seed} word ${i}`);
    }
  });

  test('RandomState: standard_normal over two odd-length calls is within 2 ulp of numpy (mismatches reported)', () => {
    for (const seed of SEEDS) {
      const expected = read64(path.join(dir, `norm_${seed}.bin`));
      const rs = new RandomState(seed);
      const actual = new Float64Array(2 * NORMALS_PER_CALL);
      actual.set(rs.standardNormalArray(NORMALS_PER_CALL), 0);
      actual.set(rs.standardNormalArray(NORMALS_PER_CALL), NORMALS_PER_CALL);
      let mismatches = 0;
      let maxUlp = 0;
      for (let i = 0; i < actual.length; i++) {
        if (Object.is(actual[i], expected[i])) continue;
        mismatches++;
        maxUlp = Math.max(maxUlp, ulpDistance(actual[i], expected[i]));
      }
      console.log(
        `  seed ${seed}: standard_normal ${mismatches === 0 ? 'bit-exact' : `${mismatches} of ${actual.length} differ, max ${maxUlp} ulp`}`,
      );
      // A 1-ulp difference in log(r2) can grow to 2 ulp through the division, sqrt and the product with x1/x2
      // (measured: seed 0 has 57 draws at 1 ulp and 5 at 2 ulp; with Math.log it was 6250 draws, up to 3 ulp).
      assert.ok(maxUlp <= 2, `seed ${seed}: max ulp distance ${maxUlp}`);
      assert.ok(mismatches <= actual.length * 0.002, `seed ${seed}: ${mismatches} mismatches is more than log rounding explains`);
    }
  });

  test('correctlyRoundedLog vs the C library log numpy uses (informational rates, ≤ 1 ulp asserted)', () => {
    const x = read64(path.join(dir, 'logx.bin'));
    const y = read64(path.join(dir, 'logy.bin'));
    let ours = 0;
    let math = 0;
    for (let i = 0; i < x.length; i++) {
      const v = correctlyRoundedLog(x[i]);
      if (v !== y[i]) {
        ours++;
        assert.ok(ulpDistance(v, y[i]) <= 1, `log(${x[i]})`);
      }
      if (Math.log(x[i]) !== y[i]) math++;
    }
    console.log(`  log vs C log on ${x.length} uniforms: correctlyRoundedLog differs on ${ours}, Math.log on ${math}`);
    assert.ok(ours < math, 'the double-double log should agree with C more often than Math.log');
  });
}

test.run();
