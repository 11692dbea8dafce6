// Tests for the .npz reader/writer: round trips, hand-built deflated/zip64 archives, and corrupt-archive rejections.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseNpz, serializeNpz, readNpz, writeNpz, crc32 } from '../../src/io/npz';
import { serializeNpy } from '../../src/io/npy';
import { tensor, Tensor } from '../../src/linalg/tensor';
import { rejects } from '../util';
import { npyBytes } from '../cli/helpers';
import { buildZip } from './zip';

const bytesOf = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const X = tensor([2, 3], new Float64Array([1, -0, NaN, Infinity, 5e-324, -1 / 3]));
const Y = tensor([], new Float64Array([42]));
const Z = tensor([0, 4]);

function assertSame(actual: Tensor | undefined, expected: Tensor): void {
  assert.ok(actual, 'array present');
  assert.equal(actual!.shape, expected.shape);
  assert.ok(bytesOf(actual!.data).equals(bytesOf(expected.data)), 'bit-exact data');
}

test('crc32 matches the standard check value', () => {
  assert.is(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.is(crc32(Buffer.alloc(0)), 0);
});

test('serializeNpz → parseNpz round trip is bit-exact, ordered and deterministic', () => {
  const bytes = serializeNpz(
    new Map([
      ['X', X],
      ['Y', Y],
      ['empty', Z],
      ['naïve/ünïcode', Y],
    ]),
  );
  assert.ok(
    bytes.equals(
      serializeNpz(
        new Map([
          ['X', X],
          ['Y', Y],
          ['empty', Z],
          ['naïve/ünïcode', Y],
        ]),
      ),
    ),
    'deterministic',
  );
  const back = parseNpz(bytes, 'a.npz');
  assert.equal([...back.keys()], ['X', 'Y', 'empty', 'naïve/ünïcode']);
  assertSame(back.get('X'), X);
  assertSame(back.get('Y'), Y);
  assertSame(back.get('empty'), Z);
  assert.equal([...parseNpz(serializeNpz({ b: Y, a: X })).keys()], ['b', 'a'], 'record insertion order kept');
  assert.is(parseNpz(serializeNpz({})).size, 0);
});

test('deflated entries (np.savez_compressed) and stored entries with data descriptors are read', () => {
  const archive = buildZip([
    { name: 'X.npy', data: serializeNpy(X), method: 8 },
    { name: 'Y.npy', data: serializeNpy(Y), method: 0 },
    { name: 'big.npy', data: serializeNpy(tensor([1000], new Float64Array(1000).fill(0.25))), method: 8 },
  ]);
  const back = parseNpz(archive, 'c.npz');
  assertSame(back.get('X'), X);
  assertSame(back.get('Y'), Y);
  assert.is(back.get('big')!.data[999], 0.25);
});

test('zip64 central directory entries and end records are read', () => {
  const back = parseNpz(
    buildZip(
      [
        { name: 'X.npy', data: serializeNpy(X) },
        { name: 'Y.npy', data: serializeNpy(Y), method: 8 },
      ],
      true,
    ),
    'z64.npz',
  );
  assertSame(back.get('X'), X);
  assertSame(back.get('Y'), Y);
});

test('truncated archives are rejected at every cut point', () => {
  for (const archive of [serializeNpz({ X, Y }), buildZip([{ name: 'X.npy', data: serializeNpy(X), method: 8 }], true)]) {
    for (const cut of [1, 3, 4, 30, 100, Math.floor(archive.length / 2), archive.length - 23, archive.length - 22, archive.length - 1]) {
      rejects(() => parseNpz(archive.subarray(0, cut), 'cut.npz'), /^cut\.npz: truncated zip archive/);
    }
  }
});

test('damaged contents are rejected: bad CRC, corrupt deflate stream, missing local header', () => {
  const stored = serializeNpz({ X });
  const flipped = Buffer.from(stored);
  flipped[stored.indexOf('X.npy') + 5 + 130] ^= 0x01; // a byte inside X's float data
  rejects(
    () => parseNpz(flipped, 'f.npz'),
    /^f\.npz: entry 'X\.npy': CRC-32 mismatch \(directory says 0x[0-9a-f]{8}, data has 0x[0-9a-f]{8}\)/,
  );
  rejects(
    () => parseNpz(buildZip([{ name: 'X.npy', data: serializeNpy(X), crc: 0x12345678 }]), 'g.npz'),
    /entry 'X\.npy': CRC-32 mismatch \(directory says 0x12345678/,
  );
  const deflated = buildZip([{ name: 'X.npy', data: serializeNpy(X), method: 8 }]);
  const garbled = Buffer.from(deflated);
  garbled.fill(0xff, 40, 60);
  rejects(() => parseNpz(garbled, 'd.npz'), /entry 'X\.npy': (corrupt deflate data|inflated to|CRC-32 mismatch)/);
  const moved = Buffer.from(stored);
  moved.writeUInt32LE(0, 0); // destroy the local header signature
  rejects(() => parseNpz(moved, 'm.npz'), /entry 'X\.npy': local file header missing at offset 0/);
});

test('non-zip input and unsupported entries are rejected', () => {
  rejects(() => parseNpz(Buffer.alloc(0), 'e.npz'), /^e\.npz: not a zip\/\.npz archive .*empty file/);
  rejects(() => parseNpz(serializeNpy(X), 'x.npy'), /^x\.npy: not a zip\/\.npz archive \(expected a zip file starting with "PK", found/);
  rejects(() => parseNpz(Buffer.from('hello world, this is plainly not a zip archive'), 't.npz'), /not a zip\/\.npz archive/);
  rejects(
    () => parseNpz(buildZip([{ name: 'X.npy', data: serializeNpy(X), method: 12 }]), 'b.npz'),
    /entry 'X\.npy' uses unsupported compression method 12 \(expected 0 = stored or 8 = deflated\)/,
  );
  rejects(() => parseNpz(buildZip([{ name: 'notes.txt', data: Buffer.from('hi') }]), 'n.npz'), /entry 'notes\.txt' is not an \.npy array/);
  rejects(() => parseNpz(buildZip([{ name: 'X.npy', data: serializeNpy(X), flags: 1 }]), 'p.npz'), /entry 'X\.npy' is encrypted/);
  rejects(
    () =>
      parseNpz(
        buildZip([
          { name: 'X.npy', data: serializeNpy(X) },
          { name: 'X.npy', data: serializeNpy(Y) },
        ]),
        'two.npz',
      ),
    /entry 'X\.npy' appears twice/,
  );
  rejects(
    () => parseNpz(buildZip([{ name: 'X.npy', data: Buffer.from('not an npy payload') }]), 'q.npz'),
    /^q\.npz\[X\.npy\]: not an \.npy file/,
  );
});

/** Points every central-directory entry at the first local header: many names, one shared stream (a zip bomb's shape). */
function shareFirstStream(zip: Buffer): Buffer {
  const out = Buffer.from(zip);
  const eocd = out.length - 22;
  let p = out.readUInt32LE(eocd + 16);
  for (let i = 0; i < out.readUInt16LE(eocd + 10); i++) {
    out.writeUInt32LE(0, p + 42);
    p += 46 + out.readUInt16LE(p + 28) + out.readUInt16LE(p + 30) + out.readUInt16LE(p + 32);
  }
  return out;
}

test('decompression bombs are refused before they inflate: trailing data, shared streams, claims beyond memory', () => {
  // 16 MiB of zeros after a 4-element array deflate to ~16 KB; the entry declares them, its .npy header does not.
  const trailing = buildZip([
    { name: 'X.npy', data: Buffer.concat([serializeNpy(tensor([4], Float64Array.of(1, 2, 3, 4))), Buffer.alloc(16 << 20)]), method: 8 },
  ]);
  assert.ok(trailing.length < 64 << 10, `the bomb is small: ${trailing.length} bytes`);
  rejects(
    () => parseNpz(trailing, 'bomb.npz'),
    /^bomb\.npz: entry 'X\.npy' declares 16777376 bytes but its \.npy header describes 160 \(shape \[4\]\)$/,
  );
  const one = serializeNpy(tensor([1024], new Float64Array(1024)));
  const shared = shareFirstStream(buildZip(Array.from({ length: 8 }, (_, i) => ({ name: `a${i}.npy`, data: one, method: 8 }))));
  rejects(() => parseNpz(shared, 'shared.npz'), /^shared\.npz: entry 'a\d\.npy' overlaps entry 'a\d\.npy' \(entries sharing bytes/);
  // A header claiming 2^40 doubles, with data that deflate to nothing: refused from the header alone.
  const claim = npyBytes('<f8', [2 ** 40], Buffer.alloc(8));
  rejects(
    () => parseNpz(buildZip([{ name: 'H.npy', data: claim, method: 8 }]), 'huge.npz'),
    /^huge\.npz: entry 'H\.npy' declares 136 bytes but its \.npy header describes 8796093022336/,
  );
  rejects(
    () => parseNpz(serializeNpz({ H: claim }), 'stored.npz'),
    /^stored\.npz: its arrays would need 8192\.0 GiB, over the memory limit of [\d.]+ GiB \(half of this machine's [\d.]+ GiB; CATAPULT_MEMORY_LIMIT sets it\)$/,
  );
});

test('serializeNpz rejects bad names and bad tensors', () => {
  rejects(() => serializeNpz({ '': X }), /^serializeNpz: array names must be non-empty strings/);
  rejects(
    () => serializeNpz({ bad: { data: new Float64Array(2), shape: [3] } }),
    /^serializeNpy: data of length 2 does not fit shape \(3,\)$/,
  );
});

test('readNpz/writeNpz use the file system with clear errors', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-npz-'));
  try {
    const file = path.join(dir, 'p.npz');
    writeNpz(file, { X, Y });
    const back = readNpz(file);
    assertSame(back.get('X'), X);
    assertSame(back.get('Y'), Y);
    rejects(() => readNpz(path.join(dir, 'missing.npz')), /missing\.npz: no such file$/);
    rejects(() => writeNpz(path.join(dir, 'nope', 'p.npz'), { X }), /p\.npz: cannot write \(directory does not exist\)$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
