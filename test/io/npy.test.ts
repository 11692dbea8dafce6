// Tests for the .npy reader/writer: bit-exact round trips, foreign layouts and dtypes, and one-line rejections.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseNpy, serializeNpy, readNpy, writeNpy } from '../../src/io/npy';
import { tensor, Tensor } from '../../src/linalg/tensor';
import { rejects } from '../util';

/** Builds an .npy file the way numpy lays it out, from a header dict literal and raw data bytes. */
function buildNpy(dict: string, data: Buffer | Uint8Array, major = 1): Buffer {
  const prefix = major === 1 ? 10 : 12;
  const body = Buffer.from(dict, major === 3 ? 'utf8' : 'latin1');
  const padding = 64 - ((prefix + body.length + 1) % 64);
  const header = Buffer.concat([body, Buffer.alloc(padding, 0x20), Buffer.from('\n')]);
  const start = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const length = Buffer.alloc(prefix - 8);
  if (major === 1) length.writeUInt16LE(header.length);
  else length.writeUInt32LE(header.length);
  return Buffer.concat([start, length, header, Buffer.from(data)]);
}

const dict = (descr: string, shape: string, fortran = 'False') => `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
const bytesOf = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

const specials = [-0, 0, NaN, Infinity, -Infinity, 5e-324, 2.2250738585072014e-308 / 3, 1.7976931348623157e308, -1 / 3, Math.PI];

test('round trip is bit-exact for special values and shapes (), (0,), (3,), (2,3,4)', () => {
  const cases: Tensor[] = [
    tensor([], new Float64Array([-0])),
    tensor([0]),
    tensor([3], new Float64Array([NaN, -0, 5e-324])),
    tensor(
      [2, 3, 4],
      Float64Array.from({ length: 24 }, (_, i) => specials[i % specials.length] * (i + 1)),
    ),
  ];
  for (const t of cases) {
    const bytes = serializeNpy(t);
    const headerLength = bytes.readUInt16LE(8);
    assert.is((10 + headerLength) % 64, 0, 'data starts 64-byte aligned');
    assert.is(bytes[10 + headerLength - 1], 0x0a, 'header ends with a newline');
    const back = parseNpy(bytes);
    assert.equal(back.shape, t.shape);
    assert.ok(bytesOf(back.data).equals(bytesOf(t.data)), `bits differ for shape ${t.shape}`);
  }
});

test('header text matches np.save for a 1-d array', () => {
  const bytes = serializeNpy(tensor([3]));
  const header = bytes.subarray(10, 10 + bytes.readUInt16LE(8)).toString('latin1');
  assert.is(header, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }" + ' '.repeat(60) + '\n');
});

test('headers over 65535 bytes switch to format 2.0 and round trip', () => {
  const t = tensor(new Array(30000).fill(1), new Float64Array([7]));
  const bytes = serializeNpy(t);
  assert.is(bytes[6], 2);
  assert.is((12 + bytes.readUInt32LE(8)) % 64, 0);
  const back = parseNpy(bytes);
  assert.is(back.shape.length, 30000);
  assert.is(back.data[0], 7);
});

test('fortran_order arrays are transposed into row-major order', () => {
  // 2×3 matrix [[1,2,3],[4,5,6]] stored column by column.
  const m = parseNpy(buildNpy(dict('<f8', '(2, 3)', 'True'), bytesOf(new Float64Array([1, 4, 2, 5, 3, 6]))));
  assert.equal(Array.from(m.data), [1, 2, 3, 4, 5, 6]);
  // 2×3×4: element [i,j,k] = 100i + 10j + k sits at column-major offset i + 2j + 6k.
  const column = new Float64Array(24);
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) column[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
  const c = parseNpy(buildNpy(dict('<f8', '(2, 3, 4)', 'True'), bytesOf(column)));
  assert.equal(c.shape, [2, 3, 4]);
  const expected: number[] = [];
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expected.push(100 * i + 10 * j + k);
  assert.equal(Array.from(c.data), expected);
});

test('big-endian, float32/float16 and integer/bool dtypes convert exactly', () => {
  const be = Buffer.alloc(16);
  be.writeDoubleBE(-1.5, 0);
  be.writeDoubleBE(5e-324, 8);
  assert.equal(Array.from(parseNpy(buildNpy(dict('>f8', '(2,)'), be)).data), [-1.5, 5e-324]);
  const f4 = Buffer.alloc(8);
  f4.writeFloatLE(0.1, 0);
  f4.writeFloatBE(-3.25, 4);
  assert.equal(Array.from(parseNpy(buildNpy(dict('<f4', '(1,)'), f4.subarray(0, 4))).data), [Math.fround(0.1)]);
  assert.equal(Array.from(parseNpy(buildNpy(dict('>f4', '(1,)'), f4.subarray(4))).data), [-3.25]);
  assert.equal(Array.from(parseNpy(buildNpy(dict('<f2', '(4,)'), Buffer.from([0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00, 0x00, 0x7c]))).data), [
    1,
    -2,
    2 ** -24,
    Infinity,
  ]);
  const i8 = Buffer.alloc(24);
  i8.writeBigInt64LE(-(2n ** 53n), 0);
  i8.writeBigInt64LE(2n ** 60n, 8); // beyond 2^53 but exactly representable
  i8.writeBigInt64LE(-7n, 16);
  assert.equal(Array.from(parseNpy(buildNpy(dict('<i8', '(3,)'), i8)).data), [-(2 ** 53), 2 ** 60, -7]);
  const u8 = Buffer.alloc(8);
  u8.writeBigUInt64BE(2n ** 64n - 2048n, 0);
  assert.equal(Array.from(parseNpy(buildNpy(dict('>u8', '(1,)'), u8)).data), [2 ** 64 - 2048]);
  const i4 = Buffer.alloc(8);
  i4.writeInt32LE(-2147483648, 0);
  i4.writeInt32BE(123456789, 4);
  assert.equal(Array.from(parseNpy(buildNpy(dict('<i4', '(1,)'), i4.subarray(0, 4))).data), [-2147483648]);
  assert.equal(Array.from(parseNpy(buildNpy(dict('>i4', '(1,)'), i4.subarray(4))).data), [123456789]);
  const i2 = Buffer.alloc(4);
  i2.writeInt16LE(-300, 0);
  i2.writeUInt16LE(65535, 2);
  assert.equal(Array.from(parseNpy(buildNpy(dict('<i2', '(1,)'), i2.subarray(0, 2))).data), [-300]);
  assert.equal(Array.from(parseNpy(buildNpy(dict('<u2', '(1,)'), i2.subarray(2))).data), [65535]);
  assert.equal(Array.from(parseNpy(buildNpy(dict('|u1', '(3,)'), Buffer.from([0, 128, 255]))).data), [0, 128, 255]);
  assert.equal(Array.from(parseNpy(buildNpy(dict('<u1', '(1,)'), Buffer.from([9]))).data), [9]);
  assert.equal(Array.from(parseNpy(buildNpy(dict('|i1', '(2,)'), Buffer.from([0xff, 0x7f]))).data), [-1, 127]);
  assert.equal(Array.from(parseNpy(buildNpy(dict('|b1', '(2, 2)'), Buffer.from([1, 0, 0, 1]))).data), [1, 0, 0, 1]);
});

test('format 2.0/3.0 headers, Python 2 longs and trailing bytes are accepted', () => {
  const data = bytesOf(new Float64Array([1, 2, 3, 4, 5, 6]));
  assert.equal(parseNpy(buildNpy(dict('<f8', '(2, 3)'), data, 2)).shape, [2, 3]);
  assert.equal(parseNpy(buildNpy(dict('<f8', '(2, 3)'), data, 3)).shape, [2, 3]);
  assert.equal(parseNpy(buildNpy(`{"descr":"<f8","shape":(2L,3L),"fortran_order":False}`, data)).shape, [2, 3]);
  const withTrailing = Buffer.concat([buildNpy(dict('<f8', '(6,)'), data), Buffer.from('trailing')]);
  assert.equal(Array.from(parseNpy(withTrailing).data), [1, 2, 3, 4, 5, 6]);
});

test('malformed files are rejected with a one-line message naming the problem', () => {
  const eight = bytesOf(new Float64Array([1]));
  const good = buildNpy(dict('<f8', '(1,)'), eight);
  rejects(() => parseNpy(Buffer.alloc(0), 'x.npy'), /^x\.npy: not an \.npy file .*empty file/);
  rejects(() => parseNpy(Buffer.from('PK\u0003\u0004 not numpy'), 'x.npy'), /^x\.npy: not an \.npy file \(expected magic/);
  const badVersion = Buffer.from(good);
  badVersion[6] = 4;
  rejects(() => parseNpy(badVersion), /unsupported \.npy format version 4\.0/);
  rejects(() => parseNpy(good.subarray(0, 9)), /truncated \.npy header/);
  rejects(() => parseNpy(good.subarray(0, 40)), /truncated \.npy header \(header needs 118 bytes/);
  rejects(() => parseNpy(buildNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), ", eight)), /unparsable \.npy header/);
  rejects(() => parseNpy(buildNpy('garbage', eight)), /unparsable \.npy header \(unexpected character/);
  rejects(() => parseNpy(buildNpy("{'descr': '<f8'} extra", eight)), /unparsable \.npy header \(unexpected text after the dict/);
  rejects(() => parseNpy(buildNpy('[1, 2]', eight)), /header is not a dict/);
  rejects(() => parseNpy(buildNpy("{'descr': '<f8', 'shape': (1,)}", eight)), /must have exactly the keys .* found descr, shape/);
  rejects(() => parseNpy(buildNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}", eight)), /exactly the keys/);
  rejects(() => parseNpy(buildNpy(dict('<f8', '(1,)', '1'), eight)), /fortran_order must be True or False/);
  for (const descr of ['<c16', '|O', '<U5', '|S3', '<M8[ns]', 'float64']) {
    rejects(
      () => parseNpy(buildNpy(dict(descr, '(1,)'), Buffer.alloc(64))),
      new RegExp(`unsupported dtype '${descr.replace(/[[\]|]/g, '\\$&')}'`),
    );
  }
  rejects(
    () => parseNpy(buildNpy("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }", eight)),
    /unsupported dtype \[\["a","<f8"\]\] \(structured/,
  );
  rejects(() => parseNpy(buildNpy(dict('|f8', '(1,)'), eight)), /dtype '\|f8' has no byte order/);
  rejects(
    () => parseNpy(buildNpy(dict('<f8', '(2, 3)'), Buffer.alloc(40)), 'w.npy'),
    /^w\.npy: truncated \.npy data \(shape \(2, 3\) of '<f8' needs 48 bytes, found 40\)$/,
  );
  rejects(() => parseNpy(buildNpy(dict('<f8', '(-3, 4)'), eight)), /shape must be a tuple of non-negative integers, found \[-3,4\]/);
  rejects(() => parseNpy(buildNpy(dict('<f8', '3'), eight)), /shape must be a tuple/);
  rejects(() => parseNpy(buildNpy(dict('<f8', '(1.5,)'), eight)), /unparsable \.npy header/);
  const i8 = Buffer.alloc(8);
  i8.writeBigInt64LE(2n ** 53n + 1n);
  rejects(() => parseNpy(buildNpy(dict('<i8', '(1,)'), i8)), /int64 value 9007199254740993 is not exactly representable as float64/);
  const u8 = Buffer.alloc(8, 0xff);
  rejects(() => parseNpy(buildNpy(dict('<u8', '(1,)'), u8)), /uint64 value 18446744073709551615 is not exactly/);
  rejects(() => parseNpy(buildNpy(dict('|b1', '(2,)'), Buffer.from([1, 2]))), /bool element 1 has byte value 2/);
});

test('serializeNpy rejects tensors whose data does not fit the shape', () => {
  rejects(() => serializeNpy({ data: new Float64Array(5), shape: [2, 3] }), /^serializeNpy: data of length 5 does not fit shape \(2, 3\)$/);
  rejects(
    () => serializeNpy({ data: new Float64Array(0), shape: [-1] }),
    /^serializeNpy: shape \[-1\] is not a list of non-negative integers$/,
  );
});

test('readNpy/writeNpy go through the file system with clear errors', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-npy-'));
  try {
    const file = path.join(dir, 'a.npy');
    const t = tensor([2, 2], new Float64Array([1, -0, NaN, 4]));
    writeNpy(file, t);
    assert.ok(bytesOf(readNpy(file).data).equals(bytesOf(t.data)));
    rejects(() => readNpy(path.join(dir, 'missing.npy')), /missing\.npy: no such file$/);
    rejects(() => readNpy(dir), /: is a directory$/);
    rejects(() => writeNpy(path.join(dir, 'no', 'such', 'dir.npy'), t), /dir\.npy: cannot write \(directory does not exist\)$/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a deeply nested header is a one-line error, not a stack overflow', () => {
  const deep = `{'descr': ${'['.repeat(100000)}${']'.repeat(100000)}, 'fortran_order': False, 'shape': (1,), }`;
  rejects(
    () => parseNpy(buildNpy(deep, Buffer.alloc(8), 2), 'deep.npy'),
    /^deep\.npy: unparsable \.npy header \(nested more than 16 levels deep at offset \d+\)/,
  );
});

test.run();
