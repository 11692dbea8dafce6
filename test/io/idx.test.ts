// Tests for the IDX reader: every element type, gzip and raw, the real Fashion-MNIST files, and one-line rejections naming the file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { decodeIdx, idxValues, parseIdx, readIdx, readIdxFile } from '../../src/io/idx';
import { hasFashionMnist, rejects } from '../util';
import { fashionMnistDir } from '../../src/data/pools';

/** An IDX file: magic 00 00, the type code, the dimension count, big-endian uint32 dimensions, then the body. */
function buildIdx(type: number, dims: number[], body: Buffer): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = type;
  header[3] = dims.length;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, body]);
}

/** Big-endian bytes of values written with one Buffer writer. */
function be(size: number, write: (b: Buffer, v: number, o: number) => void, values: number[]): Buffer {
  const b = Buffer.alloc(size * values.length);
  values.forEach((v, i) => write(b, v, size * i));
  return b;
}

const CASES: { type: number; name: string; values: number[]; body: Buffer }[] = [
  { type: 0x08, name: 'ubyte', values: [0, 1, 128, 255, 7, 9], body: Buffer.from([0, 1, 128, 255, 7, 9]) },
  { type: 0x09, name: 'byte', values: [-128, -1, 0, 1, 127, 5], body: Buffer.from([0x80, 0xff, 0, 1, 0x7f, 5]) },
  {
    type: 0x0b,
    name: 'int16',
    values: [-32768, -300, 0, 1, 32767, 258],
    body: be(2, (b, v, o) => b.writeInt16BE(v, o), [-32768, -300, 0, 1, 32767, 258]),
  },
  {
    type: 0x0c,
    name: 'int32',
    values: [-2147483648, -1, 0, 123456789, 2147483647, 65536],
    body: be(4, (b, v, o) => b.writeInt32BE(v, o), [-2147483648, -1, 0, 123456789, 2147483647, 65536]),
  },
  {
    type: 0x0d,
    name: 'float32',
    values: [-3.25, Math.fround(0.1), 0, Infinity, -Infinity, 2 ** -149],
    body: be(4, (b, v, o) => b.writeFloatBE(v, o), [-3.25, 0.1, 0, Infinity, -Infinity, 2 ** -149]),
  },
  {
    type: 0x0e,
    name: 'float64',
    values: [Math.PI, -1 / 3, 5e-324, -0, 1.7976931348623157e308, -2.5],
    body: be(8, (b, v, o) => b.writeDoubleBE(v, o), [Math.PI, -1 / 3, 5e-324, -0, 1.7976931348623157e308, -2.5]),
  },
];

test('every element type converts exactly to float64, raw and gzipped', () => {
  for (const c of CASES) {
    const raw = buildIdx(c.type, [2, 3], c.body);
    for (const [bytes, how] of [
      [raw, 'raw'],
      [zlib.gzipSync(raw), 'gzip'],
    ] as const) {
      const r = parseIdx(bytes, `${c.name}.${how}`);
      assert.equal(r.shape, [2, 3], `${c.name} ${how} shape`);
      assert.ok(r.data instanceof Float64Array);
      assert.equal(Array.from(r.data), c.values, `${c.name} ${how} values`);
      assert.ok(Object.is(r.data[3], c.values[3]), `${c.name} ${how}: signed zero kept`);
    }
  }
});

test('decodeIdx keeps the stored bytes; idxValues converts any range', () => {
  const f = decodeIdx(buildIdx(0x0b, [3, 2], CASES[2].body), 'w.idx');
  assert.is(f.type, 'int16');
  assert.is(f.body.length, 12);
  assert.equal(Array.from(idxValues(f, 2, 3)), [0, 1, 32767]);
  assert.equal(Array.from(idxValues(f, 6, 0)), []);
  rejects(() => idxValues(f, 5, 2), /^w\.idx: elements \[5, 7\) are out of range \(the file has 6\)$/);
  // 1-d, 3-d and a zero-length dimension.
  assert.equal(parseIdx(buildIdx(0x08, [4], Buffer.from([4, 3, 2, 1])), 'v').shape, [4]);
  assert.equal(parseIdx(buildIdx(0x08, [1, 2, 2], Buffer.from([4, 3, 2, 1])), 'v').shape, [1, 2, 2]);
  assert.equal(parseIdx(buildIdx(0x0e, [0, 5], Buffer.alloc(0)), 'v').data.length, 0);
});

test('malformed files are one-line errors naming the source and what was expected', () => {
  const good = buildIdx(0x08, [2, 3], Buffer.from([1, 2, 3, 4, 5, 6]));
  const bad = (patch: (b: Buffer) => void) => {
    const b = Buffer.from(good);
    patch(b);
    return b;
  };
  rejects(
    () =>
      parseIdx(
        bad((b) => {
          b[0] = 0x50;
          b[1] = 0x4b;
        }),
        'a.idx',
      ),
    /^a\.idx: not an IDX file \(expected the first two bytes 00 00, found 50 4B\)$/,
  );
  rejects(
    () =>
      parseIdx(
        bad((b) => {
          b[1] = 1;
        }),
        'a.idx',
      ),
    /^a\.idx: not an IDX file/,
  );
  rejects(
    () =>
      parseIdx(
        bad((b) => {
          b[2] = 0x07;
        }),
        'a.idx',
      ),
    /^a\.idx: unknown IDX element type 0x07 \(expected 0x08 ubyte, 0x09 byte, 0x0B int16, 0x0C int32, 0x0D float32 or 0x0E float64\)$/,
  );
  rejects(
    () =>
      parseIdx(
        bad((b) => {
          b[3] = 0;
        }),
        'a.idx',
      ),
    /^a\.idx: IDX header declares 0 dimensions/,
  );
  rejects(() => parseIdx(good.subarray(0, 10), 'a.idx'), /^a\.idx: truncated IDX header \(2 dimensions need 12 header bytes, found 10\)$/);
  rejects(
    () => parseIdx(good.subarray(0, 3), 'a.idx'),
    /^a\.idx: too short for an IDX file \(the header needs at least 4 bytes, found 3\)$/,
  );
  rejects(() => parseIdx(Buffer.alloc(0), 'a.idx'), /^a\.idx: too short for an IDX file/);
  rejects(
    () => parseIdx(good.subarray(0, good.length - 1), 'a.idx'),
    /^a\.idx: truncated IDX data \(shape \(2, 3\) of ubyte needs 6 bytes after the 12-byte header, found 5\)$/,
  );
  rejects(
    () => parseIdx(Buffer.concat([good, Buffer.from([0, 0, 0])]), 'a.idx'),
    /^a\.idx: 3 trailing bytes after the IDX data \(shape \(2, 3\) of ubyte needs 6 bytes after the 12-byte header, found 9\)$/,
  );
  rejects(
    () => parseIdx(buildIdx(0x0e, [2], Buffer.alloc(12)), 'f.idx'),
    /^f\.idx: truncated IDX data \(shape \(2,\) of float64 needs 16 bytes/,
  );
  // The checks apply after decompression too.
  rejects(() => parseIdx(zlib.gzipSync(good.subarray(0, 15)), 'a.idx.gz'), /^a\.idx\.gz: truncated IDX data/);
});

test('corrupt or cut-short gzip data is a one-line error naming the file', () => {
  const gz = zlib.gzipSync(buildIdx(0x08, [64, 64], Buffer.alloc(4096, 7)));
  const flipped = Buffer.from(gz);
  for (let i = 12; i < flipped.length - 8; i++) flipped[i] ^= 0x5a;
  rejects(() => parseIdx(flipped, 'x.gz'), /^x\.gz: corrupt gzip data \(.+\)$/);
  rejects(() => parseIdx(gz.subarray(0, gz.length - 12), 'x.gz'), /^x\.gz: corrupt gzip data \(unexpected end of file\)$/);
  const badCrc = Buffer.from(gz);
  badCrc[badCrc.length - 6] ^= 1;
  rejects(() => parseIdx(badCrc, 'x.gz'), /^x\.gz: corrupt gzip data/);
});

test('a gzipped IDX inflates no further than its header declares, and a claim beyond memory is refused unread', () => {
  const bomb = zlib.gzipSync(Buffer.concat([buildIdx(0x08, [4], Buffer.from([1, 2, 3, 4])), Buffer.alloc(16 << 20)]));
  assert.ok(bomb.length < 64 << 10, `the bomb is small: ${bomb.length} bytes`);
  rejects(() => parseIdx(bomb, 'bomb.gz'), /^bomb\.gz: the gzip data inflate to more bytes than the IDX header declares$/);
  const claim = zlib.gzipSync(buildIdx(0x0d, [1 << 20, 1 << 20], Buffer.alloc(16)));
  rejects(
    () => decodeIdx(claim, 'claim.gz'),
    /^claim\.gz: its IDX data \(shape \(1048576, 1048576\) of float32, inflated\) would need 8192\.0 GiB, over the memory limit of [\d.]+ GiB/,
  );
  rejects(
    () => parseIdx(claim, 'claim.gz'),
    /^claim\.gz: its 1099511627776 IDX values as float64 would need 16384\.0 GiB, over the memory limit/,
  );
});

test('readIdx reads files, with clear errors for missing or unreadable ones', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-idx-'));
  try {
    const file = path.join(dir, 'a-idx1-ubyte.gz');
    fs.writeFileSync(file, zlib.gzipSync(buildIdx(0x08, [3], Buffer.from([9, 8, 7]))));
    assert.equal(Array.from(readIdx(file).data), [9, 8, 7]);
    rejects(() => readIdx(path.join(dir, 'missing')), /missing: no such file$/);
    rejects(() => readIdx(dir), /: is a directory$/);
    fs.writeFileSync(file, Buffer.from('not idx'));
    rejects(() => readIdx(file), /a-idx1-ubyte\.gz: not an IDX file/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

const FASHION = fashionMnistDir();
const REF = {
  t10k0: [1, 0, 0, 0, 98, 136, 110, 109],
  t10k9999: [71, 65, 60, 49, 53, 86, 50, 0],
  t10kLabels: [9, 2, 1, 1, 6, 1, 4, 6, 5, 7],
};

if (!hasFashionMnist) {
  console.log(`  skipped: the real Fashion-MNIST t10k files (${FASHION} not found; apt-get install -y dataset-fashion-mnist)`);
  test('the real Fashion-MNIST t10k files (skipped: not installed)', () => {});
} else {
  test('the real Fashion-MNIST t10k files parse to the values numpy reads', () => {
    const images = readIdxFile(path.join(FASHION, 't10k-images-idx3-ubyte.gz'));
    assert.equal(images.shape, [10000, 28, 28]);
    assert.is(images.type, 'ubyte');
    // Reference values from python: np.frombuffer(gzip.open(f).read(), np.uint8, offset=16).reshape(-1, 784)[i, j:j+8].
    assert.equal(Array.from(idxValues(images, 0 * 784 + 400, 8)), REF.t10k0);
    assert.equal(Array.from(idxValues(images, 9999 * 784 + 300, 8)), REF.t10k9999);
    const labels = readIdx(path.join(FASHION, 't10k-labels-idx1-ubyte.gz'));
    assert.equal(labels.shape, [10000]);
    assert.equal(Array.from(labels.data.subarray(0, 10)), REF.t10kLabels);
  });
}

test.run();
