// The fuzz suite's well-formed inputs: deflated .npz archives, IDX and CIFAR-10 files written byte by byte, and honest-header bombs.
import * as zlib from 'zlib';
import { crc32 } from '../../src/io/npz';

/** A zip archive of .npy entries, each stored or deflated (np.savez / np.savez_compressed), with a size field override. */
export function zipOf(
  entries: { name: string; bytes: Buffer; deflate?: boolean; declared?: number; raw?: { deflated: Buffer; crc: number; length: number } }[],
): Buffer {
  const locals: Buffer[] = [],
    centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.raw ? e.raw.deflated : e.deflate ? zlib.deflateRawSync(e.bytes, { level: 9 }) : e.bytes;
    const name = Buffer.from(e.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.deflate || e.raw ? 8 : 0, 8);
    local.writeUInt32LE(e.raw ? e.raw.crc : crc32(e.bytes), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.declared ?? e.raw?.length ?? e.bytes.length, 22);
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

const MIB = 2 ** 20;

/** Deflates the next MiB of zeros after `head` (if any) and flushes, so the output ends on a byte boundary. */
function flushed(stream: zlib.DeflateRaw, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const take = (d: Buffer) => parts.push(d);
    stream.on('data', take);
    stream.write(input);
    stream.flush(zlib.constants.Z_SYNC_FLUSH, () => {
      stream.off('data', take);
      resolve(Buffer.concat(parts));
    });
    stream.once('error', reject);
  });
}

/**
 * `prefix` followed by `mib` MiB of zeros as one raw deflate stream, without deflating them all: once the window is
 * zeros, each further MiB deflates to the same bytes, so that block is repeated. Returns the stream and the CRC-32.
 */
export async function deflatedZeros(prefix: Buffer, mib: number): Promise<{ deflated: Buffer; crc: number; length: number }> {
  const stream = zlib.createDeflateRaw({ level: 9 });
  const zeros = Buffer.alloc(MIB);
  const first = await flushed(stream, Buffer.concat([prefix, zeros]));
  const next = await flushed(stream, zeros);
  const again = await flushed(stream, zeros);
  if (!next.equals(again)) throw new Error('deflatedZeros: the repeated block is not stationary');
  stream.destroy();
  let crc = zlib.crc32(prefix);
  for (let i = 0; i < mib; i++) crc = zlib.crc32(zeros, crc);
  const end = Buffer.from([0x03, 0x00]); // a final empty fixed-Huffman block
  const deflated = Buffer.concat([first, ...Array<Buffer>(mib - 1).fill(next), end]);
  return { deflated, crc: crc >>> 0, length: prefix.length + mib * MIB };
}

/** Zeros declared honestly: arrays whose headers say exactly what their deflated bodies inflate to (`mib` MiB each). */
export async function npzBomb(names: readonly string[], descr: '<f8' | '|u1', mib: number): Promise<Buffer> {
  const count = (mib * MIB) / (descr === '<f8' ? 8 : 1);
  const header = npyWithHeader(npyDict(descr, `(${count},)`), Buffer.alloc(0));
  const z = await deflatedZeros(header, mib);
  return zipOf(names.map((name) => ({ name: `${name}.npy`, bytes: Buffer.alloc(0), raw: z })));
}

/** A gzipped IDX images file of zeros with an honest header: n images of 28×28 (n·784 a whole number of MiB). */
export async function idxBomb(n: number): Promise<Buffer> {
  const z = await deflatedZeros(idxBytes(0x08, [n, 28, 28], Buffer.alloc(0)), (n * 784) / MIB);
  const head = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]);
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(z.crc, 0);
  tail.writeUInt32LE(z.length % 2 ** 32, 4);
  return Buffer.concat([head, z.deflated, tail]);
}
