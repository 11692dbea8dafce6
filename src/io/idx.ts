// IDX (the MNIST file format) reader: any element type to float64, raw or gzipped, with one-line errors for malformed files.
import * as zlib from 'zlib';
import { shapeString } from '../linalg/tensor';
import { checkFits, readFileOrThrow } from './files';
import { bytesArgument, nameArgument } from './bytesArgument';

/** The IDX element types: the third header byte, the type's name and its size in bytes (all big-endian). */
const ELEMENT_TYPES = {
  0x08: { name: 'ubyte', size: 1 },
  0x09: { name: 'byte', size: 1 },
  0x0b: { name: 'int16', size: 2 },
  0x0c: { name: 'int32', size: 4 },
  0x0d: { name: 'float32', size: 4 },
  0x0e: { name: 'float64', size: 8 },
} as const;
type TypeCode = keyof typeof ELEMENT_TYPES;
export type IdxType = (typeof ELEMENT_TYPES)[TypeCode]['name'];

const KNOWN_TYPES = '0x08 ubyte, 0x09 byte, 0x0B int16, 0x0C int32, 0x0D float32 or 0x0E float64';
const hexByte = (b: number) => b.toString(16).toUpperCase().padStart(2, '0');

/** A validated IDX file whose elements are still the stored bytes: cheap to keep (MNIST's 47 MB, not 376 MB of float64). */
export interface IdxFile {
  shape: number[];
  type: IdxType;
  /** Exactly the element bytes after the header, big-endian. */
  body: Uint8Array;
  source: string;
}

/** A shape for a one-line message: long ones (a hostile header may declare 255 dimensions) keep their ends. */
function shapeText(shape: readonly number[]): string {
  if (shape.length <= 8) return shapeString(shape);
  return `(${shape.slice(0, 4).join(', ')}, …, ${shape.slice(-2).join(', ')}) (${shape.length} dimensions)`;
}

/** What an IDX header declares: the shape, the element type, and the bytes of the elements after the header. */
export interface IdxHeader {
  shape: number[];
  type: IdxType;
  headerLength: number;
  bodyBytes: number;
  /** Bytes decoding holds beside the file's own: a gzipped file's inflated data, twice while zlib joins its chunks. */
  decodeBytes: number;
}

/** Reads and checks the header at the start of `raw` (the whole file, or only its first bytes when `partial`). */
function readHeader(raw: Uint8Array, source: string): Omit<IdxHeader, 'decodeBytes'> {
  if (raw.length < 4) throw new Error(`${source}: too short for an IDX file (the header needs at least 4 bytes, found ${raw.length})`);
  if (raw[0] !== 0 || raw[1] !== 0) {
    throw new Error(`${source}: not an IDX file (expected the first two bytes 00 00, found ${hexByte(raw[0])} ${hexByte(raw[1])})`);
  }
  const element = ELEMENT_TYPES[raw[2] as TypeCode];
  if (element === undefined) throw new Error(`${source}: unknown IDX element type 0x${hexByte(raw[2])} (expected ${KNOWN_TYPES})`);
  const ndim = raw[3];
  if (ndim === 0) throw new Error(`${source}: IDX header declares 0 dimensions (expected at least 1)`);
  const headerLength = 4 + 4 * ndim;
  if (raw.length < headerLength) {
    throw new Error(`${source}: truncated IDX header (${ndim} dimensions need ${headerLength} header bytes, found ${raw.length})`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const shape = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i, false));
  return { shape, type: element.name, headerLength, bodyBytes: shape.reduce((a, b) => a * b, 1) * element.size };
}

const isGzip = (bytes: Uint8Array) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
/** Compressed bytes inflated to read a gzipped file's header: deflate expands at most ~1032:1, so 4 KiB hold any header. */
const HEAD_BYTES = 4096;

function gunzip(bytes: Uint8Array, source: string, options: zlib.ZlibOptions): Buffer {
  try {
    return zlib.gunzipSync(bytes, options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw new Error(`${source}: the gzip data inflate to more bytes than the IDX header declares`);
    throw new Error(`${source}: corrupt gzip data (${(err as Error).message.split('\n')[0]})`);
  }
}

/**
 * The header of an IDX file (gzip or raw) from its first bytes only: a gzipped file inflates no more than its start,
 * so what the file declares can be checked against the memory limit before it is inflated.
 *
 * @example
 * idxHeader(fs.readFileSync('train-labels-idx1-ubyte.gz'), 'train-labels-idx1-ubyte.gz').shape; // [60000]
 */
export function idxHeader(bytes: Uint8Array, source: string): IdxHeader {
  if (!isGzip(bytes)) return { ...readHeader(bytes, source), decodeBytes: 0 };
  // A short stream is inflated whole (it is small), so that a cut-short one is reported as such.
  const head =
    bytes.length <= HEAD_BYTES
      ? gunzip(bytes, source, { maxOutputLength: HEAD_BYTES * 1032 })
      : gunzip(bytes.subarray(0, HEAD_BYTES), source, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: HEAD_BYTES * 1032 });
  const header = readHeader(head, source);
  return { ...header, decodeBytes: 2 * (header.headerLength + header.bodyBytes) };
}

/**
 * Validates an IDX file (gzip or raw) without converting its elements: magic 00 00, a known type code, the
 * dimensions, and a length of exactly header + product(shape)·size bytes (truncated or trailing bytes are errors).
 * A gzipped file is inflated only after its header's size is checked against the memory limit, and no further than
 * the header declares (plus one byte, to notice trailing data), so a small file cannot expand to gigabytes.
 *
 * @example
 * const f = decodeIdx(fs.readFileSync('train-labels-idx1-ubyte.gz'), 'train-labels-idx1-ubyte.gz');
 * f.shape; // [60000]
 */
export function decodeIdx(bytes: Uint8Array, source: string): IdxFile {
  const header = idxHeader(bytes, source);
  const { shape, type, headerLength, bodyBytes } = header;
  let raw = bytes;
  if (isGzip(bytes)) {
    checkFits(`${source}: its IDX data (shape ${shapeText(shape)} of ${type}, inflated)`, bytes.length + header.decodeBytes);
    raw = gunzip(bytes, source, { maxOutputLength: headerLength + bodyBytes + 1 });
  }
  const found = raw.length - headerLength;
  if (found !== bodyBytes) {
    const what = found < bodyBytes ? 'truncated IDX data' : `${found - bodyBytes} trailing bytes after the IDX data`;
    throw new Error(
      `${source}: ${what} (shape ${shapeText(shape)} of ${type} needs ${bodyBytes} bytes after the ${headerLength}-byte header, found ${found})`,
    );
  }
  return { shape, type, body: raw.subarray(headerLength), source };
}

/**
 * Elements [start, start + count) of an IDX file as float64 (every IDX type converts exactly).
 *
 * @example
 * const row = idxValues(images, 5 * 784, 784); // image 5 of an MNIST file, pixel values 0–255
 */
export function idxValues(file: IdxFile, start = 0, count?: number): Float64Array {
  const size = Object.values(ELEMENT_TYPES).find((t) => t.name === file.type)!.size;
  const total = file.body.length / size;
  const n = count ?? total - start;
  if (!(Number.isInteger(start) && Number.isInteger(n) && start >= 0 && n >= 0 && start + n <= total)) {
    throw new Error(`${file.source}: elements [${start}, ${start + n}) are out of range (the file has ${total})`);
  }
  const bytes = file.body.subarray(start * size, (start + n) * size);
  const out = new Float64Array(n);
  if (file.type === 'ubyte')
    out.set(bytes); // typed-array set converts natively: the fast path for MNIST pixels
  else if (file.type === 'byte') out.set(new Int8Array(bytes.buffer, bytes.byteOffset, n));
  else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const read = {
      int16: (i: number) => view.getInt16(2 * i, false),
      int32: (i: number) => view.getInt32(4 * i, false),
      float32: (i: number) => view.getFloat32(4 * i, false),
      float64: (i: number) => view.getFloat64(8 * i, false),
    }[file.type];
    for (let i = 0; i < n; i++) out[i] = read(i);
  }
  return out;
}

/**
 * Parses a whole IDX file (gzip or raw; types ubyte, byte, int16, int32, float32, float64) into float64 data.
 *
 * @example
 * const { shape, data } = parseIdx(fs.readFileSync('t10k-labels-idx1-ubyte'), 't10k-labels-idx1-ubyte');
 * shape; // [10000]
 */
export function parseIdx(bytes: Uint8Array, source: string): { shape: number[]; data: Float64Array } {
  [bytes, source] = [bytesArgument('parseIdx', 'bytes', bytes), nameArgument('parseIdx', 'source', source)];
  checkConversionFits(idxHeader(bytes, source), bytes.length, source);
  const file = decodeIdx(bytes, source);
  return { shape: file.shape, data: idxValues(file) };
}

/** Refuses a whole-file float64 conversion that would not fit beside the file and its decoding. */
function checkConversionFits(header: IdxHeader, fileBytes: number, source: string): void {
  const count = header.shape.reduce((a, b) => a * b, 1);
  checkFits(`${source}: its ${count} IDX values as float64`, fileBytes + header.decodeBytes + 8 * count);
}

/**
 * Reads and validates an IDX file, keeping its elements as stored (see {@link decodeIdx}).
 *
 * @example
 * const images = readIdxFile('/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz');
 */
export function readIdxFile(path: string): IdxFile {
  return decodeIdx(readFileOrThrow(path), path);
}

/**
 * Reads an IDX file (gzip or raw) into float64 data (see {@link parseIdx}).
 *
 * @example
 * const labels = readIdx('/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz').data;
 */
export function readIdx(path: string): { shape: number[]; data: Float64Array } {
  return parseIdx(readFileOrThrow(path), path);
}
