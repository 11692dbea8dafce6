// Small files that declare, honestly, arrays of hundreds of megabytes: deflated zeros built chunk by chunk, so neither
// the test nor the file ever holds the inflated bytes.
import * as zlib from 'zlib';
import { npyBytes } from '../cli/helpers';

/** A raw deflate stream of `prefix` then `zeros` zero bytes, its inflated size and CRC-32, built 1 MiB at a time. */
export function deflatedZeros(prefix: Buffer, zeros: number): { payload: Buffer; size: number; crc: number } {
  const chunk = Buffer.alloc(Math.min(zeros, 1 << 20));
  // Full-flushed blocks end byte-aligned and independent, so they concatenate into one stream; a final empty block ends it.
  const flushed = (b: Buffer) => zlib.deflateRawSync(b, { finishFlush: zlib.constants.Z_FULL_FLUSH });
  const parts = [flushed(prefix)];
  let crc = zlib.crc32(prefix);
  const whole = flushed(chunk);
  for (let left = zeros; left > 0; left -= chunk.length) {
    const n = Math.min(left, chunk.length);
    parts.push(n === chunk.length ? whole : flushed(chunk.subarray(0, n)));
    crc = zlib.crc32(chunk.subarray(0, n), crc);
  }
  parts.push(zlib.deflateRawSync(Buffer.alloc(0)));
  return { payload: Buffer.concat(parts), size: prefix.length + zeros, crc };
}

/** A gzip file of `prefix` then `zeros` zero bytes (an IDX header and an all-zero body, say). */
export function gzipZeros(prefix: Buffer, zeros: number): Buffer {
  const { payload, size, crc } = deflatedZeros(prefix, zeros);
  const head = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  const tail = Buffer.alloc(8);
  tail.writeUInt32LE(crc, 0);
  tail.writeUInt32LE(size % 2 ** 32, 4);
  return Buffer.concat([head, payload, tail]);
}

/** An IDX header (magic, ubyte, the dimensions). */
export function idxHeaderBytes(dims: number[]): Buffer {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h[2] = 0x08;
  h[3] = dims.length;
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return h;
}

/** One member of a zip archive as its headers describe it: the stored bytes, the method, and the inflated size and CRC. */
export interface ZipMember {
  name: string;
  body: Buffer;
  /** 0 stored, 8 deflated. */
  method: 0 | 8;
  crc: number;
  /** The uncompressed size the headers declare (a hostile file may lie). */
  size: number;
}

/** A zip archive of the members, local headers then the central directory (no zip64). */
export function zipArchive(members: readonly ZipMember[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const name = Buffer.from(m.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(m.method, 8);
    local.writeUInt32LE(m.crc, 14);
    local.writeUInt32LE(m.body.length, 18);
    local.writeUInt32LE(m.size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    local.copy(central, 6, 4, 30);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, m.body);
    centrals.push(central, name);
    offset += 30 + name.length + m.body.length;
  }
  const size = centrals.reduce((n, b) => n + b.length, 0);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(members.length, 8);
  eocd.writeUInt16LE(members.length, 10);
  eocd.writeUInt32LE(size, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, ...centrals, eocd]);
}

/** An .npz of deflated arrays of zeros, each given by name, dtype and shape (a zip np.savez_compressed could write). */
export function npzOfZeros(arrays: { name: string; descr: string; shape: number[] }[]): Buffer {
  return zipArchive(
    arrays.map((a) => {
      const zeros = a.shape.reduce((x, y) => x * y, 1) * Number(/\d+$/.exec(a.descr)![0]);
      const { payload, size, crc } = deflatedZeros(npyBytes(a.descr, a.shape, Buffer.alloc(0)), zeros);
      return { name: `${a.name}.npy`, body: payload, method: 8, crc, size };
    }),
  );
}
