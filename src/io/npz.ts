// NumPy `.npz` archives: a zip reader (stored/deflated, zip64, CRC-checked) and a deterministic stored writer like `np.savez`.
import * as fs from 'fs';
import * as zlib from 'zlib';
import { Tensor } from '../linalg/tensor';
import { NpyLayout, npyLayout, parseNpy, serializeNpy } from './npy';
import { checkFits, fsErrorMessage, readFileOrThrow } from './files';
import { bytesArgument, nameArgument } from './bytesArgument';
import {
  CENTRAL_HEADER_SIG,
  EOCD_LENGTH,
  END_OF_CENTRAL_DIR_SIG,
  Entry,
  FLAG_UTF8_NAME,
  LOCAL_HEADER_SIG,
  METHOD_STORED,
  crc32,
  directoryEntries,
  entryBytes,
} from './zip';

export { crc32 } from './zip';

const DOS_DATE_1980_01_01 = (0 << 9) | (1 << 5) | 1; // fixed so that output is byte-for-byte deterministic
const UNIX_RW_R_R = 0o100644 << 16; // regular file, mode 644, in the high half of external attributes

/** The .npy header of a deflated entry, from as little of its stream as holds it (never the whole array). */
function deflatedLayout(stored: Buffer, where: string, name: string): NpyLayout {
  for (let n = 1024; ; n *= 16) {
    const part = stored.subarray(0, Math.min(n, stored.length));
    let head: Buffer;
    try {
      // Deflate expands at most ~1032:1, so this bounds the prefix; Z_SYNC_FLUSH lets a cut stream end without error.
      head = zlib.inflateRawSync(part, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: 1032 * part.length + 1024 });
    } catch (err) {
      throw new Error(`${where}: corrupt deflate data (${(err as Error).message.split('\n')[0]})`);
    }
    try {
      return npyLayout(head, name);
    } catch (e) {
      if (part.length === stored.length || !/truncated \.npy header/.test((e as Error).message)) throw e;
    }
  }
}

/**
 * Bounds an archive before anything is inflated: entries may not share bytes (a zip bomb points many entries at one
 * stream), and a deflated entry may not declare more bytes than its .npy header describes (trailing data). Returns
 * each entry's .npy layout, read from the first bytes of its stream only.
 */
function entryLayouts(buf: Buffer, entries: readonly Entry[], path: string): NpyLayout[] {
  const spans = entries
    .map((e) => ({ e, from: e.fields.localOffset, to: e.dataStart + e.fields.compressed }))
    .sort((x, y) => x.from - y.from);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i].from < spans[i - 1].to)
      throw new Error(
        `${spans[i].e.where} overlaps entry '${spans[i - 1].e.name}' (entries sharing bytes: not an archive np.savez writes)`,
      );
  }
  return entries.map((e) => {
    const stored = buf.subarray(e.dataStart, e.dataStart + e.fields.compressed);
    let layout: NpyLayout;
    try {
      layout = e.method === METHOD_STORED ? npyLayout(stored, `${path}[${e.name}]`) : deflatedLayout(stored, e.where, `${path}[${e.name}]`);
    } catch (err) {
      // A damaged stream or header: say what the whole entry shows (corrupt data, CRC), inflating no more than it declares.
      checkFits(`${e.where}: its ${e.fields.uncompressed} declared bytes`, e.fields.uncompressed);
      parseNpy(entryBytes(buf, e), `${path}[${e.name}]`);
      throw err;
    }
    const described = layout.dataStart + layout.needed;
    if (e.method !== METHOD_STORED && e.fields.uncompressed !== described) {
      throw new Error(
        `${e.where} declares ${e.fields.uncompressed} bytes but its .npy header describes ${described} (shape ${JSON.stringify(layout.shape)})`,
      );
    }
    return layout;
  });
}

/**
 * The peak bytes of reading some entries: the archive itself, every array as float64, and the largest one-entry
 * transient beside them (its inflated bytes, and a second float64 copy where it is stored in Fortran order).
 */
function readingBytes(buf: Buffer, picked: readonly { e: Entry; layout: NpyLayout }[]): number {
  let arrays = 0,
    transient = 0;
  for (const { e, layout } of picked) {
    const float64 = 8 * layout.count;
    arrays += float64;
    const inflated = e.method === METHOD_STORED ? 0 : e.fields.uncompressed;
    transient = Math.max(transient, inflated + (layout.fortranOrder && layout.shape.length > 1 ? float64 : 0));
  }
  return buf.length + arrays + transient;
}

/** An .npz archive whose directory and .npy headers have been read, and none of its arrays yet. */
export interface NpzArchive {
  readonly path: string;
  /** The array names (entry names without `.npy`), in archive order. */
  readonly names: readonly string[];
  /** The shape an array's .npy header declares (undefined for a name the archive lacks). */
  shape(name: string): readonly number[] | undefined;
  /** The named arrays (default all), in archive order, as float64: the memory they need is checked first. */
  read(names?: readonly string[]): Map<string, Tensor>;
}

/**
 * Reads an `.npz` archive's central directory (zip64 included) and each entry's .npy header, inflating only the first
 * bytes of each: names and shapes are known, and checked, before any array is inflated. Rejects non-`.npy` entries,
 * encryption and other methods; `read` inflates, verifies every CRC-32 and converts to float64.
 *
 * @example
 * const archive = openNpz(fs.readFileSync('data.npz'), 'data.npz');
 * if (archive.names.includes('X')) archive.read(['X']).get('X');
 */
export function openNpz(buf: Buffer, path = 'archive.npz'): NpzArchive {
  const entries = directoryEntries(buf, path);
  const layouts = entryLayouts(buf, entries, path);
  const byName = new Map(entries.map((e, i) => [e.name.slice(0, -'.npy'.length), { e, layout: layouts[i] }]));
  const names = [...byName.keys()];
  return {
    path,
    names,
    shape: (name) => byName.get(name)?.layout.shape,
    read(wanted = names) {
      const chosen = names.filter((n) => wanted.includes(n));
      const picked = chosen.map((n) => byName.get(n)!);
      const which = chosen.length === names.length ? 'its arrays' : `its arrays ${chosen.join(', ')}`;
      checkFits(`${path}: ${which}`, readingBytes(buf, picked));
      return new Map(picked.map(({ e }, i) => [chosen[i], parseNpy(entryBytes(buf, e), `${path}[${e.name}]`)]));
    },
  };
}

/**
 * Parses an `.npz` archive (as written by `np.savez` or `np.savez_compressed`) into float64 tensors keyed by
 * array name (the entry name without `.npy`), in archive order (see {@link openNpz}).
 *
 * @example
 * const arrays = parseNpz(fs.readFileSync('data.npz'), 'data.npz');
 * const X = arrays.get('X');
 */
export function parseNpz(buf: Buffer, path = 'archive.npz'): Map<string, Tensor> {
  [buf, path] = [bytesArgument('parseNpz', 'buf', buf), nameArgument('parseNpz', 'path', path)];
  return openNpz(buf, path).read();
}

/**
 * Serializes named tensors into an uncompressed `.npz` archive that `np.load` reads like one from `np.savez`.
 * A Buffer value is taken as an already serialized `.npy` entry (e.g. from `serializeNpyBytes`). Entries are `<name>.npy` in insertion order, dated 1980-01-01 00:00 so identical input gives identical bytes.
 * Archives needing zip64 (any offset or size ≥ 4 GiB, or > 65535 arrays) are rejected.
 *
 * @example
 * const bytes = serializeNpz({ W: w, b: bias });
 * fs.writeFileSync('params.npz', bytes);
 */
export function serializeNpz(arrays: Map<string, Tensor | Buffer> | Record<string, Tensor | Buffer>): Buffer {
  const entries = arrays instanceof Map ? [...arrays.entries()] : Object.entries(arrays);
  if (entries.length > 0xffff) throw new Error(`serializeNpz: ${entries.length} arrays exceed the 65535 entries of a non-zip64 archive`);
  const localParts: Buffer[] = [];
  const centralParts: Buffer[] = [];
  let offset = 0;
  for (const [key, t] of entries) {
    if (typeof key !== 'string' || key === '')
      throw new Error(`serializeNpz: array names must be non-empty strings, found ${JSON.stringify(key)}`);
    const name = Buffer.from(key + '.npy', 'utf8');
    if (name.length > 0xffff) throw new Error(`serializeNpz: array name '${key.slice(0, 40)}…' is longer than a zip entry name may be`);
    const npy = Buffer.isBuffer(t) ? t : serializeNpy(t);
    if (offset + 30 + name.length + npy.length > 0xfffffffe)
      throw new Error(
        `serializeNpz: array '${key}' would put the archive past 4 GiB, which needs zip64 (not supported); save it separately with writeNpy`,
      );
    const crc = crc32(npy);
    // Python's zipfile marks non-ASCII names as UTF-8 the same way.
    const flags = /^[\x00-\x7f]*$/.test(key) ? 0 : FLAG_UTF8_NAME;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(LOCAL_HEADER_SIG, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(METHOD_STORED, 8);
    local.writeUInt16LE(0, 10); // time 00:00:00
    local.writeUInt16LE(DOS_DATE_1980_01_01, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(npy.length, 18);
    local.writeUInt32LE(npy.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(CENTRAL_HEADER_SIG, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by: Unix, spec 2.0 (so the mode bits below are honoured)
    local.copy(central, 6, 4, 30); // version needed … name length are shared with the local header
    central.writeUInt16LE(0, 30); // extra length
    central.writeUInt16LE(0, 32); // comment length
    central.writeUInt16LE(0, 34); // disk number
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE(UNIX_RW_R_R >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    localParts.push(local, name, npy);
    centralParts.push(central, name);
    offset += 30 + name.length + npy.length;
  }
  const centralSize = centralParts.reduce((sum, b) => sum + b.length, 0);
  if (offset + centralSize > 0xfffffffe) throw new Error('serializeNpz: the archive would exceed 4 GiB, which needs zip64 (not supported)');
  const eocd = Buffer.alloc(EOCD_LENGTH);
  eocd.writeUInt32LE(END_OF_CENTRAL_DIR_SIG, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(centralSize, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...localParts, ...centralParts, eocd]);
}

/**
 * Reads an `.npz` file into named float64 tensors (see {@link parseNpz}).
 *
 * @example
 * const { X, Y } = Object.fromEntries(readNpz('data/train.npz'));
 */
export function readNpz(path: string): Map<string, Tensor> {
  return parseNpz(readFileOrThrow(path), path);
}

/**
 * Opens an `.npz` file: its array names and shapes, with the arrays read on demand (see {@link openNpz}).
 *
 * @example
 * const archive = openNpzFile('data/train.npz'); // archive.names: ['X', 'Y']
 */
export function openNpzFile(path: string): NpzArchive {
  return openNpz(readFileOrThrow(path), path);
}

/**
 * Writes named tensors to an uncompressed `.npz` file at exactly `path` (unlike np.savez, no `.npz` is appended).
 *
 * @example
 * writeNpz('out/params.npz', new Map([['W', w], ['b', b]]));
 */
export function writeNpz(path: string, arrays: Map<string, Tensor | Buffer> | Record<string, Tensor | Buffer>): void {
  const bytes = serializeNpz(arrays);
  try {
    fs.writeFileSync(path, bytes);
  } catch (err) {
    throw new Error(fsErrorMessage(path, err, 'write'));
  }
}
