// numpy-compatible legacy RNG: MT19937 seeded like `np.random.RandomState(seed)`, res53 doubles and polar Box–Muller normals.
//
// Streams match numpy's legacy `RandomState` for an integer seed: `nextUint32` is the raw MT19937 output
// (init_genrand seeding), `randomDouble` equals `random_sample()` bit for bit, and `standardNormal` follows
// numpy's `legacy_gauss` including the cached second variate. The one libm call there, log(r2), is computed
// here correctly rounded (double-double) rather than with V8's Math.log: Math.log (fdlibm) differs from glibc's
// log on ~7% of the r2 values, which made ~3% of normals differ from numpy (by 1–3 ulp); glibc's log is itself
// correctly rounded on all but ~0.1% of inputs, so ~3 normals in 10^4 still differ by 1–2 ulp (which ones
// depends on numpy's C library). test/io/numpy.test.ts measures the mismatch rate.

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

// ---- correctly rounded natural log (double-double arithmetic, no FMA available in JS) ----
const SPLITTER = 134217729; // 2^27 + 1, Veltkamp splitting constant
const LN2_HI = 0.6931471805599453;
const LN2_LO = 2.3190468138462996e-17;
const pair = new Float64Array(2); // scratch for (high, low) results, reused to avoid allocation per draw
const bits = new Float64Array(1);
const bitsHigh = new Uint32Array(bits.buffer);
const highWord = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // the sign/exponent half
const MIN_NORMAL = 2.2250738585072014e-308;

/** pair = a·b exactly, as high + low (Dekker's product). */
function twoProduct(a: number, b: number): void {
  const p = a * b;
  const ca = SPLITTER * a,
    aHigh = ca - (ca - a),
    aLow = a - aHigh;
  const cb = SPLITTER * b,
    bHigh = cb - (cb - b),
    bLow = b - bHigh;
  pair[0] = p;
  pair[1] = aHigh * bHigh - p + aHigh * bLow + aLow * bHigh + aLow * bLow;
}

/** pair = (ah + al)·(bh + bl) in double-double. */
function ddMultiply(ah: number, al: number, bh: number, bl: number): void {
  twoProduct(ah, bh);
  const low = pair[1] + (ah * bl + al * bh);
  const high = pair[0] + low;
  pair[1] = low - (high - pair[0]);
  pair[0] = high;
}

/** pair = (ah + al) + (bh + bl) in double-double (Knuth's two-sum on the high parts). */
function ddAdd(ah: number, al: number, bh: number, bl: number): void {
  const sum = ah + bh;
  const bVirtual = sum - ah;
  const low = ah - (sum - bVirtual) + (bh - bVirtual) + al + bl;
  const high = sum + low;
  pair[1] = low - (high - sum);
  pair[0] = high;
}

/** 1/n as a double-double constant. */
function reciprocal(n: number): [number, number] {
  const high = 1 / n;
  twoProduct(high, n);
  return [high, (1 - pair[0] - pair[1]) / n];
}
const [THIRD_HI, THIRD_LO] = reciprocal(3);
const [FIFTH_HI, FIFTH_LO] = reciprocal(5);
const [SEVENTH_HI, SEVENTH_LO] = reciprocal(7);
const TAIL_COEFFICIENTS = Float64Array.from({ length: 13 }, (_, j) => 1 / (2 * j + 9)); // 1/9, 1/11, …, 1/33

/**
 * Natural log of a positive normal double, correctly rounded except with probability ~2^-20 (error ≈ 2^-74
 * relative before the final rounding). x = 2^k·m with m in [√½, √2); log m = 2·atanh(s), s = (m−1)/(m+1), via
 * 2s·(1 + z/3 + z²/5 + …) with z = s² ≤ 0.0295: the leading terms in double-double, the tail in double.
 * Zero, negative, subnormal, infinite and NaN inputs fall back to Math.log.
 *
 * @example
 * correctlyRoundedLog(3); // 1.0986122886681098, as C's log(3); Math.log(3) gives 1.0986122886681096
 */
export function correctlyRoundedLog(x: number): number {
  if (!(x >= MIN_NORMAL && x < Infinity)) return Math.log(x);
  bits[0] = x;
  let k = (bitsHigh[highWord] >>> 20) - 1023;
  bitsHigh[highWord] = (bitsHigh[highWord] & 0x000fffff) | 0x3ff00000; // m in [1, 2)
  let m = bits[0];
  if (m > Math.SQRT2) {
    m *= 0.5;
    k++;
  }
  const f = m - 1; // exact (Sterbenz)
  const dHigh = 2 + f,
    dLow = f - (dHigh - 2); // m + 1 = 2 + f as a double-double
  const sHigh = f / dHigh;
  twoProduct(sHigh, dHigh);
  const sLow = (f - pair[0] - pair[1] - sHigh * dLow) / dHigh;
  ddMultiply(sHigh, sLow, sHigh, sLow);
  const zHigh = pair[0],
    zLow = pair[1];
  // Tail 1/9 + z/11 + … : its terms reach 2^-53 relative by z^12, and it enters scaled by z^3 ≤ 2.6e-5.
  let tail = 0;
  for (let j = 12; j >= 0; j--) tail = tail * zHigh + TAIL_COEFFICIENTS[j];
  ddAdd(SEVENTH_HI, SEVENTH_LO, zHigh * tail, 0);
  ddMultiply(zHigh, zLow, pair[0], pair[1]);
  ddAdd(FIFTH_HI, FIFTH_LO, pair[0], pair[1]);
  ddMultiply(zHigh, zLow, pair[0], pair[1]);
  ddAdd(THIRD_HI, THIRD_LO, pair[0], pair[1]);
  ddMultiply(zHigh, zLow, pair[0], pair[1]);
  ddMultiply(sHigh, sLow, pair[0], pair[1]);
  ddAdd(sHigh, sLow, pair[0], pair[1]);
  const logMHigh = 2 * pair[0],
    logMLow = 2 * pair[1];
  twoProduct(k, LN2_HI);
  ddAdd(pair[0], pair[1] + k * LN2_LO, logMHigh, logMLow);
  return pair[0];
}

/**
 * A Mersenne Twister generator reproducing `numpy.random.RandomState(seed)` streams.
 *
 * @example
 * const rs = new RandomState(42);
 * rs.randomDouble();          // 0.3745401188473625, as np.random.RandomState(42).random_sample()
 * rs.standardNormalArray(3);  // continues the stream like rs.standard_normal(3)
 */
export class RandomState {
  private readonly state = new Uint32Array(N);
  private index = N;
  private hasCachedGauss = false;
  private cachedGauss = 0;

  /**
   * Seeds with init_genrand, as numpy does for an integer seed in [0, 2^32 − 1].
   *
   * @example
   * const rs = new RandomState(0);
   */
  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new Error(`RandomState: seed must be an integer in [0, 2^32-1] (as numpy requires), found ${seed}`);
    }
    const mt = this.state;
    mt[0] = seed;
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      // Math.imul keeps the low 32 bits of the product, i.e. C's unsigned 32-bit wraparound.
      mt[i] = Math.imul(1812433253, prev) + i;
    }
  }

  /** Regenerates all 624 words at once (the reference genrand_int32 "twist"). */
  private twist(): void {
    const mt = this.state;
    let k = 0;
    // Three loops instead of `% N` indexing: the reference code's split, avoiding a modulo per word.
    for (; k < N - M; k++) {
      const y = (mt[k] & UPPER_MASK) | (mt[k + 1] & LOWER_MASK);
      mt[k] = mt[k + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; k < N - 1; k++) {
      const y = (mt[k] & UPPER_MASK) | (mt[k + 1] & LOWER_MASK);
      mt[k] = mt[k + M - N] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    const y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
    mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.index = 0;
  }

  /**
   * Next raw 32-bit output (genrand_int32), an integer in [0, 2^32).
   *
   * @example
   * new RandomState(1).nextUint32(); // 1791095845
   */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.state[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /**
   * Uniform double in [0, 1) with 53 random bits (genrand_res53), equal to numpy's `random_sample()`.
   *
   * @example
   * new RandomState(0).randomDouble(); // 0.5488135039273248
   */
  randomDouble(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /**
   * Standard normal draw by numpy's legacy polar Box–Muller: each accepted pair yields two variates, the second
   * cached for the next call (so odd-length batches carry one over, exactly as in numpy).
   *
   * @example
   * const rs = new RandomState(0);
   * rs.standardNormal(); // 1.764052345967664, as np.random.RandomState(0).standard_normal()
   */
  standardNormal(): number {
    if (this.hasCachedGauss) {
      this.hasCachedGauss = false;
      const cached = this.cachedGauss;
      this.cachedGauss = 0;
      return cached;
    }
    let x1: number, x2: number, r2: number;
    do {
      x1 = 2.0 * this.randomDouble() - 1.0;
      x2 = 2.0 * this.randomDouble() - 1.0;
      r2 = x1 * x1 + x2 * x2;
    } while (r2 >= 1.0 || r2 === 0.0);
    // Same operation order as numpy's C (`sqrt(-2.0 * log(r2) / r2)`) so roundings agree. r2 ≥ 2^-104 here
    // (x1, x2 are multiples of 2^-52), so it is a normal double as correctlyRoundedLog requires.
    const f = Math.sqrt((-2.0 * correctlyRoundedLog(r2)) / r2);
    this.cachedGauss = f * x1;
    this.hasCachedGauss = true;
    return f * x2;
  }

  /**
   * Uniform integer in [0, max] by numpy's legacy `rk_interval`: mask the raw output to the smallest
   * all-ones bit pattern ≥ max and reject values above max (max < 2^32).
   *
   * @example
   * new RandomState(0).randomInterval(9); // 5
   */
  randomInterval(max: number): number {
    if (!Number.isInteger(max) || max < 0 || max > 0xffffffff)
      throw new Error(`RandomState: randomInterval bound must be an integer in [0, 2^32-1], found ${max}`);
    if (max === 0) return 0;
    let mask = max;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    mask >>>= 0;
    let v: number;
    do v = (this.nextUint32() & mask) >>> 0;
    while (v > max);
    return v;
  }

  /**
   * A random permutation of 0 … n−1, equal to numpy's legacy `rs.permutation(n)` (Fisher–Yates from the
   * end, j = randomInterval(i)).
   *
   * @example
   * new RandomState(0).permutation(5); // Int32Array [2, 0, 1, 3, 4], as np.random.RandomState(0).permutation(5)
   */
  permutation(n: number): Int32Array {
    if (!Number.isSafeInteger(n) || n < 0 || n > 0x7fffffff)
      throw new Error(`RandomState: permutation length must be a non-negative integer, found ${n}`);
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.randomInterval(i);
      const t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }

  /**
   * `n` standard normal draws, equal to numpy's `rs.standard_normal(n)` (sharing the cached variate across calls).
   *
   * @example
   * const z = new RandomState(42).standardNormalArray(1000);
   */
  standardNormalArray(n: number): Float64Array {
    if (!Number.isSafeInteger(n) || n < 0)
      throw new Error(`RandomState: standardNormalArray length must be a non-negative integer, found ${n}`);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = this.standardNormal();
    return out;
  }
}
