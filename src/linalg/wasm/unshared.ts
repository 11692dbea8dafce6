// The kernels for a page without SharedArrayBuffer: the same module bytes with the memory import's "shared" bit cleared.

/** Reads an unsigned LEB128 at `at`: [value, the offset after it]. */
function leb(bytes: Uint8Array, at: number): [number, number] {
  let value = 0,
    shift = 0,
    b: number;
  do {
    b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [value, at];
}

/** The offset after a name (length-prefixed bytes). */
function skipName(bytes: Uint8Array, at: number): number {
  const [len, next] = leb(bytes, at);
  return next + len;
}

/** The offset after a limits field (flags, minimum, and a maximum when flag bit 0 is set). */
function skipLimits(bytes: Uint8Array, at: number): number {
  const flags = bytes[at];
  let next = leb(bytes, at + 1)[1];
  if (flags & 1) next = leb(bytes, next)[1];
  return next;
}

/** Offset of the flags byte of the (one) memory import, or throws when the module imports no memory. */
function memoryImportFlags(bytes: Uint8Array): number {
  if (bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) throw new Error('not a WebAssembly module');
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at];
    const [size, body] = leb(bytes, at + 1);
    if (id === 2) {
      let [count, p] = leb(bytes, body);
      for (; count > 0; count--) {
        p = skipName(bytes, skipName(bytes, p));
        const kind = bytes[p++];
        if (kind === 2) return p;
        if (kind === 0) p = leb(bytes, p)[1];
        else if (kind === 1) p = skipLimits(bytes, p + 1);
        else if (kind === 3) p += 2;
        else throw new Error(`unknown import kind ${kind}`);
      }
    }
    at = body + size;
  }
  throw new Error('the module imports no memory');
}

/**
 * A copy of a module that imports shared memory, importing unshared memory instead: one flag bit differs, every
 * instruction is the same, so the kernels compute the same bits. Pages that are not cross-origin isolated have
 * no SharedArrayBuffer; single-threaded kernels do not need one.
 *
 * @example
 * const m = new WebAssembly.Module(unsharedMemoryModule(bytes)); // instantiate with new WebAssembly.Memory({ initial, maximum })
 */
export function unsharedMemoryModule(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes); // a copy (a Node Buffer's slice() would share the bytes)
  const at = memoryImportFlags(out);
  out[at] &= ~0x02;
  return out;
}
