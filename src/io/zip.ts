// The zip structure an .npz is read through: the central directory (zip64 included), entries' data, CRC-checked inflation.
import * as zlib from 'zlib';

export const LOCAL_HEADER_SIG = 0x04034b50;
export const CENTRAL_HEADER_SIG = 0x02014b50;
export const END_OF_CENTRAL_DIR_SIG = 0x06054b50;
const ZIP64_END_SIG = 0x06064b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EXTRA_ID = 0x0001;
export const EOCD_LENGTH = 22;
const ZIP_START = Buffer.from('PK\x03\x04', 'latin1'); // a local header signature: how every non-empty archive begins
const FLAG_ENCRYPTED = 0x0001;
export const FLAG_UTF8_NAME = 0x0800;
export const METHOD_STORED = 0;
const METHOD_DEFLATED = 8;
// Names without the UTF-8 flag are CP437 per the zip spec (as Python's zipfile decodes them); bytes 0x80–0xFF:
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

/** CRC-32 (IEEE 802.3, reflected, as zip uses) lookup table; built here because zlib.crc32 is missing on older Nodes. */
const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/**
 * CRC-32 of a byte range, as stored in zip headers.
 *
 * @example
 * crc32(Buffer.from('123456789')); // 0xcbf43926
 */
export function crc32(bytes: Uint8Array): number {
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

const hex = (n: number) => '0x' + n.toString(16).padStart(8, '0');

function decodeName(bytes: Buffer, utf8: boolean): string {
  if (utf8) return bytes.toString('utf8');
  let out = '';
  for (const b of bytes) out += b < 0x80 ? String.fromCharCode(b) : CP437_HIGH[b - 0x80];
  return out;
}

/** Reads a little-endian uint64 that must fit a JS number (offsets and sizes in a Buffer always do). */
function readUint64(buf: Buffer, offset: number, what: string, path: string): number {
  const value = buf.readBigUInt64LE(offset);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${path}: corrupt zip64 ${what} (${value})`);
  return Number(value);
}

/** Locates the central directory via the end-of-central-directory record (and its zip64 variant when present). */
function findCentralDirectory(buf: Buffer, path: string): { offset: number; size: number; count: number } {
  // The EOCD record is last, followed only by its comment (≤ 65535 bytes); requiring the comment to end exactly at
  // the end of the file means a truncated archive can never be mistaken for a complete one.
  let eocd = -1;
  for (let i = buf.length - EOCD_LENGTH; i >= 0 && i >= buf.length - EOCD_LENGTH - 0xffff; i--) {
    if (buf.readUInt32LE(i) === END_OF_CENTRAL_DIR_SIG && i + EOCD_LENGTH + buf.readUInt16LE(i + 20) === buf.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) {
    const head = buf.subarray(0, 4);
    if (head.length > 0 && head.equals(ZIP_START.subarray(0, head.length)))
      throw new Error(`${path}: truncated zip archive (end-of-central-directory record not found; the file was probably cut short)`);
    const start = JSON.stringify(buf.subarray(0, 4).toString('latin1'));
    throw new Error(
      `${path}: not a zip/.npz archive (expected a zip file starting with "PK", found ${buf.length === 0 ? 'an empty file' : start})`,
    );
  }
  if (buf.readUInt16LE(eocd + 4) !== 0 || buf.readUInt16LE(eocd + 6) !== 0)
    throw new Error(`${path}: multi-disk zip archives are not supported`);
  let count = buf.readUInt16LE(eocd + 10);
  let size = buf.readUInt32LE(eocd + 12);
  let offset = buf.readUInt32LE(eocd + 16);
  let directoryEnd = eocd;
  const locator = eocd - 20;
  if (locator >= 0 && buf.readUInt32LE(locator) === ZIP64_LOCATOR_SIG) {
    // Python's zipfile (hence numpy) writes zip64 end records when counts or offsets overflow 16/32 bits.
    const record = readUint64(buf, locator + 8, 'end-record offset', path);
    if (record + 56 > locator || buf.readUInt32LE(record) !== ZIP64_END_SIG)
      throw new Error(`${path}: corrupt zip64 end-of-central-directory record`);
    count = readUint64(buf, record + 32, 'entry count', path);
    size = readUint64(buf, record + 40, 'central directory size', path);
    offset = readUint64(buf, record + 48, 'central directory offset', path);
    directoryEnd = record;
  } else if (count === 0xffff || size === 0xffffffff || offset === 0xffffffff) {
    throw new Error(`${path}: corrupt zip archive (zip64 sizes announced but the zip64 end record is missing)`);
  }
  if (offset + size > directoryEnd)
    throw new Error(
      `${path}: truncated or corrupt zip archive (central directory at ${offset}+${size} overlaps its end record at ${directoryEnd})`,
    );
  return { offset, size, count };
}

/** Sizes and offset of one entry, with zip64 extra-field values substituted for saturated 32-bit fields. */
function zip64Fields(extra: Buffer, fields: { uncompressed: number; compressed: number; localOffset: number }, where: string) {
  for (let p = 0; p + 4 <= extra.length;) {
    const id = extra.readUInt16LE(p);
    const length = extra.readUInt16LE(p + 2);
    if (p + 4 + length > extra.length) break;
    if (id === ZIP64_EXTRA_ID) {
      // Only the fields saturated in the fixed header are present, in this order.
      let q = p + 4;
      for (const key of ['uncompressed', 'compressed', 'localOffset'] as const) {
        if (fields[key] !== 0xffffffff) continue;
        if (q + 8 > p + 4 + length) throw new Error(`${where}: zip64 extra field is too short`);
        const value = extra.readBigUInt64LE(q);
        if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`${where}: zip64 ${key} size ${value} is too large`);
        fields[key] = Number(value);
        q += 8;
      }
    }
    p += 4 + length;
  }
  return fields;
}

/** One central-directory entry: where its data lies and how it is stored. */
export interface Entry {
  name: string;
  where: string;
  method: number;
  crc: number;
  fields: { uncompressed: number; compressed: number; localOffset: number };
  dataStart: number;
}

/** Where an entry's data starts (after its local header's name and extra fields), checked against the file. */
function dataStartOf(buf: Buffer, fields: Entry['fields'], where: string): number {
  const local = fields.localOffset;
  if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOCAL_HEADER_SIG)
    throw new Error(`${where}: local file header missing at offset ${local}`);
  // The local header's own sizes may be zero or zip64 placeholders (numpy streams entries), so only its name and
  // extra lengths are used, to find where the data starts; sizes come from the central directory.
  const dataStart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
  if (dataStart + fields.compressed > buf.length)
    throw new Error(`${where}: entry data is truncated (needs ${fields.compressed} bytes at offset ${dataStart}, file has ${buf.length})`);
  return dataStart;
}

/**
 * Decompresses and CRC-checks one entry's bytes, inflating no more than the directory declares (its caller has checked
 * that size against the entry's .npy header and the memory limit).
 *
 * @example
 * const bytes = entryBytes(buf, directoryEntries(buf, 'a.npz')[0]);
 */
export function entryBytes(buf: Buffer, e: Entry): Buffer {
  const { fields, where } = e;
  const stored = buf.subarray(e.dataStart, e.dataStart + fields.compressed);
  let bytes: Buffer;
  if (e.method === METHOD_STORED) {
    if (fields.compressed !== fields.uncompressed)
      throw new Error(`${where}: stored entry has compressed size ${fields.compressed} but uncompressed size ${fields.uncompressed}`);
    bytes = stored;
  } else {
    try {
      bytes = zlib.inflateRawSync(stored, { maxOutputLength: fields.uncompressed + 1 });
    } catch (err) {
      throw new Error(`${where}: corrupt deflate data (${(err as Error).message.split('\n')[0]})`);
    }
    if (bytes.length !== fields.uncompressed)
      throw new Error(`${where}: inflated to ${bytes.length} bytes but the directory says ${fields.uncompressed}`);
  }
  const actual = crc32(bytes);
  if (actual !== e.crc)
    throw new Error(`${where}: CRC-32 mismatch (directory says ${hex(e.crc)}, data has ${hex(actual)}); the file is corrupt`);
  return bytes;
}

/**
 * The entries of the central directory, checked one by one (names, flags, methods, where the data lie); nothing is
 * inflated.
 *
 * @example
 * directoryEntries(fs.readFileSync('a.npz'), 'a.npz').map((e) => e.name); // ['X.npy', 'Y.npy']
 */
export function directoryEntries(buf: Buffer, path: string): Entry[] {
  const directory = findCentralDirectory(buf, path);
  const entries: Entry[] = [];
  let p = directory.offset;
  const end = directory.offset + directory.size;
  for (let index = 0; index < directory.count; index++) {
    if (p + 46 > end || buf.readUInt32LE(p) !== CENTRAL_HEADER_SIG)
      throw new Error(`${path}: corrupt central directory (entry ${index} of ${directory.count} missing at offset ${p})`);
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const nameLength = buf.readUInt16LE(p + 28);
    const extraLength = buf.readUInt16LE(p + 30);
    const commentLength = buf.readUInt16LE(p + 32);
    const next = p + 46 + nameLength + extraLength + commentLength;
    if (next > end) throw new Error(`${path}: corrupt central directory (entry ${index} runs past its end)`);
    const name = decodeName(buf.subarray(p + 46, p + 46 + nameLength), (flags & FLAG_UTF8_NAME) !== 0);
    const where = `${path}: entry '${name}'`;
    const fields = zip64Fields(
      buf.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength),
      {
        uncompressed: buf.readUInt32LE(p + 24),
        compressed: buf.readUInt32LE(p + 20),
        localOffset: buf.readUInt32LE(p + 42),
      },
      where,
    );
    p = next;
    if (!name.endsWith('.npy'))
      throw new Error(`${where} is not an .npy array (np.load would return raw bytes; expected only *.npy entries)`);
    if (flags & FLAG_ENCRYPTED) throw new Error(`${where} is encrypted (not supported)`);
    if (method !== METHOD_STORED && method !== METHOD_DEFLATED)
      throw new Error(`${where} uses unsupported compression method ${method} (expected 0 = stored or 8 = deflated)`);
    if (entries.some((e) => e.name === name)) throw new Error(`${where} appears twice in the archive`);
    entries.push({ name, where, method, crc, fields, dataStart: dataStartOf(buf, fields, where) });
  }
  return entries;
}
