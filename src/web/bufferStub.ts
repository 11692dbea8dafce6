// Node's global Buffer, as far as the engine's modules use it when they load (io/npy.ts and io/npz.ts make constants with it).
// The page reads no files, so nothing else of Buffer is reached; scripts/build-web.js injects this where `Buffer` is named.

/** Bytes of an array, or of a latin1 string. */
function from(x: ArrayLike<number> | string): Uint8Array {
  return typeof x === 'string' ? Uint8Array.from(x, (c) => c.charCodeAt(0)) : Uint8Array.from(x);
}

export const Buffer = { from };
