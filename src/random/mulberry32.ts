// mulberry32: a tiny 32-bit generator for Lanczos start vectors and tests, identical on every platform.

/**
 * mulberry32: a 32-bit-state generator with exact integer arithmetic, so every platform gets the same stream
 * of uniforms in [0, 1). Not for initializations (those use numpy's RandomState, see randomState.ts).
 *
 * @example
 * const next = mulberry32(42); next(); // 0.6011037519201636
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
