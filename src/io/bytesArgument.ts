// The byte and name arguments of the parsers (parseNpy, parseNpz, parseIdx), checked at the library's door.
import { CatapultInputError, describeValue } from '../options/inputError';

/**
 * The bytes a parser was given as a Buffer (a Uint8Array is viewed, not copied), or a CatapultInputError naming the
 * argument: a string, null or a number would otherwise fail deep inside with a bare TypeError.
 *
 * @example
 * const buf = bytesArgument('parseNpy', 'buf', new Uint8Array(bytes)); // a Buffer over the same memory
 */
export function bytesArgument(fn: string, field: string, bytes: unknown): Buffer {
  if (Buffer.isBuffer(bytes)) return bytes;
  if (bytes instanceof Uint8Array) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new CatapultInputError(field, `${fn}: ${field} must be a Buffer or Uint8Array of the file's bytes, got ${describeValue(bytes)}`);
}

/**
 * The name a parser's messages give the bytes (a path, an entry), or a CatapultInputError naming the argument.
 *
 * @example
 * const source = nameArgument('parseIdx', 'source', 'train-labels-idx1-ubyte');
 */
export function nameArgument(fn: string, field: string, name: unknown): string {
  if (typeof name === 'string') return name;
  throw new CatapultInputError(
    field,
    `${fn}: ${field} must be a string naming the bytes (e.g. their file's path), got ${describeValue(name)}`,
  );
}
