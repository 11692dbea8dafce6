// The fuzz suite's well-formed inputs: deflated .npz archives, IDX and CIFAR-10 files written byte by byte, and honest-header bombs.
import * as zlib from 'zlib';
import { crc32 } from '../../src/io/npz';
import { gzipZeros, idxHeaderBytes, npzOfZeros, zipArchive } from '../io/bombs';

/** A zip archive of .npy entries, each stored or deflated (np.savez / np.savez_compressed), with a size field override. */
export function zipOf(entries: { name: string; bytes: Buffer; deflate?: boolean; declared?: number }[]): Buffer {
  return zipArchive(
    entries.map((e) => ({
      name: e.name,
      body: e.deflate ? zlib.deflateRawSync(e.bytes, { level: 9 }) : e.bytes,
      method: e.deflate ? 8 : 0,
      crc: crc32(e.bytes),
      size: e.declared ?? e.bytes.length,
    })),
  );
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
