// The fuzz suite's well-formed inputs: deflated .npz archives, IDX and CIFAR-10 files written byte by byte, and honest-header bombs.
import * as zlib from 'zlib';
import { crc32 } from '../../src/io/npz';
import { gzipZeros, idxHeaderBytes, npzOfZeros } from '../io/bombs';

/** A zip archive of .npy entries, each stored or deflated (np.savez / np.savez_compressed), with a size field override. */
export function zipOf(entries: { name: string; bytes: Buffer; deflate?: boolean; declared?: number }[]): Buffer {
  const locals: Buffer[] = [],
    centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.deflate ? zlib.deflateRawSync(e.bytes, { level: 9 }) : e.bytes;
    const name = Buffer.from(e.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(crc32(e.bytes), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.declared ?? e.bytes.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    local.copy(central, 6, 4, 30);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const size = centrals.reduce((s, b) => s + b.length, 0);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(size, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, eocd]);
}

/** An .npy entry with a header written as text, so shapes and dtypes can be anything a hostile file may say. */
export function npyWithHeader(dict: string, data: Buffer): Buffer {
  let header = dict;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const prefix = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  prefix.writeUInt16LE(header.length, 8);
  return Buffer.concat([prefix, Buffer.from(header, 'latin1'), data]);
}

export function npyDict(descr: string, shape: string, fortran = false): string {
  return `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shape}, }`;
}

export function f64Bytes(values: readonly number[]): Buffer {
  return Buffer.from(Float64Array.from(values).buffer);
}

/** An IDX file: magic 00 00, type code, ndim, big-endian dimensions, then the elements. */
export function idxBytes(type: number, dims: readonly number[], body: Buffer): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head[2] = type;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d >>> 0, 4 + 4 * i));
  return Buffer.concat([head, body]);
}

/** m CIFAR-10 records: a label byte, then 3×32×32 pixel bytes. */
export function cifarBytes(labels: readonly number[]): Buffer {
  const out = Buffer.alloc(labels.length * 3073);
  labels.forEach((l, i) => {
    out[i * 3073] = l;
    for (let j = 1; j < 3073; j++) out[i * 3073 + j] = (i * 31 + j * 7) & 0xff;
  });
  return out;
}

/** Balanced labels 0 … 9, m of them. */
export const balancedLabels = (m: number) => Array.from({ length: m }, (_, i) => i % 10);

/** Honest-header bombs: test/io/bombs.ts builds the deflated zeros chunk by chunk, never holding the inflated bytes. */
export function npzBomb(names: readonly string[], descr: '<f8' | '|u1', count: number): Buffer {
  return npzOfZeros(names.map((name) => ({ name, descr, shape: [count] })));
}

/** A gzipped IDX images file of zeros with an honest header: n images of 28×28. */
export function idxBomb(n: number): Buffer {
  return gzipZeros(idxHeaderBytes([n, 28, 28]), n * 784);
}
