// NumPy `.npy` reader (format 1.0/2.0/3.0, numeric dtypes → float64) and byte-exact `np.save`-style float64 writer.
import * as fs from 'fs';
import { Tensor, shapeString } from '../linalg/tensor';
import { fsErrorMessage, readFileOrThrow } from './files';
import { bytesArgument, nameArgument } from './bytesArgument';

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // "\x93NUMPY"
const ARRAY_ALIGN = 64; // numpy pads magic+length+header to a multiple of this so the data is aligned
const GROWTH_AXIS_MAX_DIGITS = 21; // numpy reserves room to rewrite the growth axis in place; we copy it for byte-identity
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A Python literal as it can appear in an .npy header. */
type PyValue = string | number | boolean | null | PyValue[] | Map<string, PyValue>;

/**
 * Parses the Python-literal header dict (`{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`)
 * with a small recursive-descent parser, because eval is not an option and JSON.parse cannot read Python syntax.
 * Tuples and lists both become arrays; Python 2 longs (`3L`) are accepted since old files contain them.
 */
const MAX_HEADER_DEPTH = 16;

function parsePyLiteral(text: string, name: string): PyValue {
  let pos = 0;
  const fail = (why: string): never => {
    throw new Error(`${name}: unparsable .npy header (${why} at offset ${pos}): ${JSON.stringify(text.trim().slice(0, 120))}`);
  };
  const skipSpace = () => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const parseSequence = (close: string): PyValue[] => {
    const items: PyValue[] = [];
    for (;;) {
      skipSpace();
      if (text[pos] === close) {
        pos++;
        return items;
      }
      items.push(parseValue());
      skipSpace();
      if (text[pos] === ',') pos++;
      else if (text[pos] !== close) fail(`expected ',' or '${close}'`);
    }
  };
  const parseString = (): string => {
    const quote = text[pos++];
    let out = '';
    while (pos < text.length && text[pos] !== quote) {
      if (text[pos] === '\\') {
        const esc = text[pos + 1];
        const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };
        if (esc === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(pos + 2, pos + 4))) {
          out += String.fromCharCode(parseInt(text.slice(pos + 2, pos + 4), 16));
          pos += 4;
        } else if (esc !== undefined && esc in simple) {
          out += simple[esc];
          pos += 2;
        } else fail('unsupported string escape');
      } else out += text[pos++];
    }
    if (pos >= text.length) fail('unterminated string');
    pos++;
    return out;
  };
  let depth = 0;
  const parseValue = (): PyValue => {
    // A real header nests two levels ({'shape': (3, 4)}); a hostile one could nest until the stack overflows.
    if (++depth > MAX_HEADER_DEPTH) fail(`nested more than ${MAX_HEADER_DEPTH} levels deep`);
    try {
      return parseValueAt();
    } finally {
      depth--;
    }
  };
  const parseValueAt = (): PyValue => {
    skipSpace();
    const c = text[pos];
    if (c === '{') {
      pos++;
      const dict = new Map<string, PyValue>();
      for (;;) {
        skipSpace();
        if (text[pos] === '}') {
          pos++;
          return dict;
        }
        const key = parseValue();
        if (typeof key !== 'string') fail('dict key is not a string');
        skipSpace();
        if (text[pos++] !== ':') fail("expected ':'");
        dict.set(key as string, parseValue());
        skipSpace();
        if (text[pos] === ',') pos++;
        else if (text[pos] !== '}') fail("expected ',' or '}'");
      }
    }
    if (c === '(') {
      pos++;
      return parseSequence(')');
    }
    if (c === '[') {
      pos++;
      return parseSequence(']');
    }
    if (c === "'" || c === '"') return parseString();
    const word = /^(?:[-+]?\d+[lL]?|True|False|None)/.exec(text.slice(pos));
    if (word === null) return fail('unexpected character');
    pos += word[0].length;
    if (word[0] === 'True') return true;
    if (word[0] === 'False') return false;
    if (word[0] === 'None') return null;
    return Number(word[0].replace(/[lL]$/, ''));
  };
  const value = parseValue();
  skipSpace();
  if (pos !== text.length) fail('unexpected text after the dict');
  return value;
}

/** How to decode one element of a supported dtype into a float64. */
interface DtypeReader {
  size: number;
  read: (view: DataView, offset: number, littleEndian: boolean) => number;
}

const DTYPE_READERS: Record<string, DtypeReader> = {
  f2: { size: 2, read: (v, o, le) => halfToFloat(v.getUint16(o, le)) },
  f4: { size: 4, read: (v, o, le) => v.getFloat32(o, le) },
  f8: { size: 8, read: (v, o, le) => v.getFloat64(o, le) },
  i1: { size: 1, read: (v, o) => v.getInt8(o) },
  u1: { size: 1, read: (v, o) => v.getUint8(o) },
  i2: { size: 2, read: (v, o, le) => v.getInt16(o, le) },
  u2: { size: 2, read: (v, o, le) => v.getUint16(o, le) },
  i4: { size: 4, read: (v, o, le) => v.getInt32(o, le) },
  u4: { size: 4, read: (v, o, le) => v.getUint32(o, le) },
  i8: { size: 8, read: (v, o, le) => exactInt64(v, o, le, true) },
  u8: { size: 8, read: (v, o, le) => exactInt64(v, o, le, false) },
  b1: { size: 1, read: (v, o) => v.getUint8(o) },
};

/** IEEE half → double; every half is exactly representable as a double. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

/** Reads a 64-bit integer; throws when it has no exact float64 equivalent, rather than rounding silently. */
function exactInt64(view: DataView, offset: number, littleEndian: boolean, signed: boolean): number {
  const high = signed
    ? view.getInt32(offset + (littleEndian ? 4 : 0), littleEndian)
    : view.getUint32(offset + (littleEndian ? 4 : 0), littleEndian);
  const low = view.getUint32(offset + (littleEndian ? 0 : 4), littleEndian);
  // |high| < 2^21 means |value| < 2^53: exact without BigInt, which keeps the common case fast.
  if (high < 0x200000 && high >= -0x200000) return high * 4294967296 + low;
  const big = signed ? view.getBigInt64(offset, littleEndian) : view.getBigUint64(offset, littleEndian);
  const approx = Number(big);
  if (BigInt(approx) !== big) throw new RangeError(`${signed ? 'int64' : 'uint64'} value ${big} is not exactly representable as float64`);
  return approx;
}

/** Validates the header dict and returns the pieces the decoder needs. */
function interpretHeader(dict: PyValue, name: string): { descr: string; fortranOrder: boolean; shape: number[] } {
  if (!(dict instanceof Map)) throw new Error(`${name}: .npy header is not a dict`);
  const keys = [...dict.keys()].sort().join(', ');
  if (keys !== 'descr, fortran_order, shape')
    throw new Error(`${name}: .npy header must have exactly the keys descr, fortran_order, shape; found ${keys || 'none'}`);
  const descr = dict.get('descr');
  const fortranOrder = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (typeof descr !== 'string')
    throw new Error(
      `${name}: unsupported dtype ${JSON.stringify(descr)} (structured dtypes are not supported; expected a numeric dtype such as '<f8')`,
    );
  if (typeof fortranOrder !== 'boolean')
    throw new Error(`${name}: fortran_order must be True or False, found ${JSON.stringify(fortranOrder)}`);
  if (!Array.isArray(shape) || !shape.every((s) => typeof s === 'number' && Number.isSafeInteger(s) && s >= 0)) {
    throw new Error(`${name}: shape must be a tuple of non-negative integers, found ${JSON.stringify(shape)}`);
  }
  return { descr, fortranOrder, shape: shape as number[] };
}

/** Copies column-major data into row-major order (numpy writes `fortran_order: True` arrays column-major). */
function fortranToRowMajor(src: Float64Array<ArrayBuffer>, shape: readonly number[]): Float64Array<ArrayBuffer> {
  const ndim = shape.length;
  if (ndim < 2) return src; // 0-d and 1-d layouts coincide
  const out = new Float64Array(src.length);
  // Column-major strides: the first axis varies fastest.
  const colStride = new Array<number>(ndim);
  colStride[0] = 1;
  for (let k = 1; k < ndim; k++) colStride[k] = colStride[k - 1] * shape[k - 1];
  const index = new Array<number>(ndim).fill(0);
  let srcOffset = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = src[srcOffset];
    // Advance the row-major multi-index (last axis fastest), tracking the column-major offset incrementally.
    for (let k = ndim - 1; k >= 0; k--) {
      index[k]++;
      srcOffset += colStride[k];
      if (index[k] < shape[k]) break;
      srcOffset -= colStride[k] * shape[k];
      index[k] = 0;
    }
  }
  return out;
}

/**
 * Parses an `.npy` file (format 1.0, 2.0 or 3.0) into a row-major float64 tensor.
 * Numeric dtypes (f2/f4/f8, i1–i8, u1–u8, b1; either byte order) are converted exactly; 64-bit integers
 * without an exact float64 value are rejected. `fortran_order: True` arrays are transposed into row-major
 * order, so `t.data` is always C-ordered regardless of how the file stored it. Bytes after the data are ignored
 * (numpy ignores them too); too few bytes is an error.
 *
 * @example
 * const t = parseNpy(fs.readFileSync('weights.npy'), 'weights.npy');
 * t.shape; // e.g. [784, 128]
 */
export function parseNpy(buf: Buffer, name = 'array'): Tensor {
  [buf, name] = [bytesArgument('parseNpy', 'buf', buf), nameArgument('parseNpy', 'name', name)];
  const { descr, fortranOrder, shape, dataStart, count, reader, littleEndian, needed } = npyLayout(buf, name);
  if (buf.length - dataStart < needed) {
    throw new Error(
      `${name}: truncated .npy data (shape ${shapeString(shape)} of '${descr}' needs ${needed} bytes, found ${buf.length - dataStart})`,
    );
  }
  let data = new Float64Array(count);
  if (descr === '<f8' && HOST_LITTLE_ENDIAN) {
    // Fast path: a byte copy (the source may be unaligned, so a Float64Array view onto it is not always possible).
    new Uint8Array(data.buffer).set(buf.subarray(dataStart, dataStart + needed));
  } else {
    const view = new DataView(buf.buffer, buf.byteOffset + dataStart, needed);
    try {
      for (let i = 0; i < count; i++) data[i] = reader.read(view, i * reader.size, littleEndian);
    } catch (err) {
      throw new Error(`${name}: ${(err as Error).message}`);
    }
    if (reader === DTYPE_READERS.b1) {
      const bad = data.findIndex((v) => v !== 0 && v !== 1);
      if (bad >= 0) throw new Error(`${name}: bool element ${bad} has byte value ${data[bad]} (expected 0 or 1)`);
    }
  }
  if (fortranOrder) data = fortranToRowMajor(data, shape);
  return { data, shape };
}

/** What an .npy header says: dtype, order, shape, where the data starts and how many bytes it takes. */
export interface NpyLayout {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the first element. */
  dataStart: number;
  count: number;
  /** Bytes of element data: count · element size. */
  needed: number;
  reader: (typeof DTYPE_READERS)[string];
  littleEndian: boolean;
}

/**
 * Reads only the magic and header of an .npy (enough bytes of its start), so a reader can bound an array before it
 * holds the data: an .npz entry is checked against its header before it is inflated.
 *
 * @example
 * const { shape, dataStart, needed } = npyLayout(firstBytes, 'x.npy'); // the file is dataStart + needed bytes
 */
export function npyLayout(buf: Buffer, name = 'array'): NpyLayout {
  if (buf.length < MAGIC.length + 2 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    const what = buf.length === 0 ? 'an empty file' : `${JSON.stringify(buf.subarray(0, 6).toString('latin1'))}`;
    throw new Error(`${name}: not an .npy file (expected magic "\\x93NUMPY", found ${what})`);
  }
  const major = buf[6];
  const minor = buf[7];
  if (!((major === 1 || major === 2 || major === 3) && minor === 0))
    throw new Error(`${name}: unsupported .npy format version ${major}.${minor} (expected 1.0, 2.0 or 3.0)`);
  const lengthBytes = major === 1 ? 2 : 4;
  const prefixLength = 8 + lengthBytes;
  if (buf.length < prefixLength) throw new Error(`${name}: truncated .npy header (file has ${buf.length} bytes)`);
  const headerLength = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const dataStart = prefixLength + headerLength;
  if (buf.length < dataStart)
    throw new Error(
      `${name}: truncated .npy header (header needs ${headerLength} bytes, file has ${buf.length - prefixLength} after the prefix)`,
    );
  // Versions 1 and 2 store the header as latin-1; version 3 allows UTF-8 (e.g. for field names).
  const headerText = buf.toString(major === 3 ? 'utf8' : 'latin1', prefixLength, dataStart);
  const { descr, fortranOrder, shape } = interpretHeader(parsePyLiteral(headerText, name), name);

  const dtype = /^([<>|])([a-z])(\d+)$/.exec(descr);
  const reader = dtype ? DTYPE_READERS[dtype[2] + dtype[3]] : undefined;
  if (!dtype || !reader)
    throw new Error(
      `${name}: unsupported dtype '${descr}' (expected a float, integer or bool dtype such as '<f8', '>f4', '<i8', '|u1', '|b1')`,
    );
  if (dtype[1] === '|' && reader.size > 1)
    throw new Error(`${name}: dtype '${descr}' has no byte order (expected '<' or '>' for ${reader.size}-byte elements)`);
  const littleEndian = dtype[1] !== '>';

  let count = 1;
  for (const s of shape) count *= s;
  if (!Number.isSafeInteger(count)) throw new Error(`${name}: shape ${shapeString(shape)} has too many elements`);
  return { descr, fortranOrder, shape, dataStart, count, needed: count * reader.size, reader, littleEndian };
}

/** The header bytes `np.save` writes for a C-ordered array of this dtype and shape. */
function npyHeader(shape: readonly number[], descr = '<f8'): Buffer {
  const shapeRepr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeRepr}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  // Like numpy: version 1.0 unless the header length no longer fits its uint16 field.
  for (const major of [1, 2]) {
    const prefixLength = major === 1 ? 10 : 12;
    const padding = ARRAY_ALIGN - ((prefixLength + dict.length + 1) % ARRAY_ALIGN);
    const headerLength = dict.length + padding + 1;
    if (major === 1 && headerLength > 0xffff) continue;
    const out = Buffer.alloc(prefixLength + headerLength, 0x20);
    MAGIC.copy(out, 0);
    out[6] = major;
    out[7] = 0;
    if (major === 1) out.writeUInt16LE(headerLength, 8);
    else out.writeUInt32LE(headerLength, 8);
    out.write(dict, prefixLength, 'latin1');
    out[out.length - 1] = 0x0a;
    return out;
  }
  throw new Error('unreachable');
}

/**
 * Serializes a tensor as a C-ordered little-endian float64 `.npy` file, byte-identical to what `np.save`
 * writes for the same float64 array (format 1.0, or 2.0 when the header exceeds 65535 bytes).
 *
 * @example
 * fs.writeFileSync('x.npy', serializeNpy(tensor([2, 2], new Float64Array([1, 2, 3, 4]))));
 */
export function serializeNpy(t: Tensor): Buffer {
  let count = 1;
  for (const s of t.shape) {
    if (!Number.isSafeInteger(s) || s < 0)
      throw new Error(`serializeNpy: shape [${t.shape.join(', ')}] is not a list of non-negative integers`);
    count *= s;
  }
  if (count !== t.data.length) throw new Error(`serializeNpy: data of length ${t.data.length} does not fit shape ${shapeString(t.shape)}`);
  const header = npyHeader(t.shape);
  const out = Buffer.allocUnsafe(header.length + 8 * count);
  header.copy(out, 0);
  if (HOST_LITTLE_ENDIAN) {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, header.length);
  } else {
    for (let i = 0; i < count; i++) out.writeDoubleLE(t.data[i], header.length + 8 * i);
  }
  return out;
}

/**
 * Serializes raw bytes as a 1-D `|u1` `.npy` array (as `np.save` writes `np.frombuffer(b, np.uint8)`), for
 * text such as JSON metadata inside an .npz; numpy reads it back with `bytes(a)`.
 *
 * @example
 * serializeNpyBytes(Buffer.from('{"schema_version": 1}'));
 */
export function serializeNpyBytes(bytes: Uint8Array): Buffer {
  const header = npyHeader([bytes.length], '|u1');
  return Buffer.concat([header, bytes]);
}

/**
 * Reads an `.npy` file into a float64 tensor (see {@link parseNpy} for accepted dtypes).
 *
 * @example
 * const x = readNpy('data/x.npy');
 */
export function readNpy(path: string): Tensor {
  return parseNpy(readFileOrThrow(path), path);
}

/**
 * Writes a tensor as a float64 `.npy` file loadable by `np.load`.
 *
 * @example
 * writeNpy('out/w.npy', w);
 */
export function writeNpy(path: string, t: Tensor): void {
  const bytes = serializeNpy(t);
  try {
    fs.writeFileSync(path, bytes);
  } catch (err) {
    throw new Error(fsErrorMessage(path, err, 'write'));
  }
}
