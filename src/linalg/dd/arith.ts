// Double-double scalar arithmetic (≈ 106-bit significands): error-free transformations and the operations built on them.
//
// A dd number is the unevaluated sum hi + lo of two doubles with |lo| ≤ ½ ulp(hi), so hi is the double nearest the value.
// The error-free transformations are Knuth's TwoSum and Dekker's TwoProd with Veltkamp splitting, which is exact like the
// FMA form (a·b − fl(a·b) computed by one fused multiply-add) and needs no FMA, which JS lacks. Accuracy (Joldes, Muller &
// Popescu 2017, "Tight and rigorous error bounds for basic building blocks of double-word arithmetic"): add ≤ 3u², mul
// ≤ 4u² (here with the lo·lo term dropped: ≤ 5u²), div ≤ 10u², u = 2⁻⁵³; the elementary functions are good to a few u².
// Below ~1e-292 the low word is subnormal, so values that small carry fewer than 106 bits (as in every dd library).

/** A double-double value hi + lo (normalized: hi = fl(hi + lo)). */
export interface DD {
  readonly hi: number;
  readonly lo: number;
}

export const DD_ZERO: DD = { hi: 0, lo: 0 };
export const DD_ONE: DD = { hi: 1, lo: 0 };
/** ln 2 to 106 bits. */
export const DD_LN2: DD = { hi: 0.6931471805599453, lo: 2.3190468138462996e-17 };
/**
 * ln 2 = LN2_A + LN2_B + LN2_C (Cody–Waite): A and B have 32 and 30 significant bits, so k·A and k·B are exact doubles
 * for |k| < 2¹¹ and x − k·ln 2 is formed without the |x|·u² error a rounded k·ln 2 would bring.
 */
const LN2_A = 0.6931471806019545,
  LN2_B = -4.2009150715352495e-11,
  LN2_C: DD = { hi: -1.1458352726798733e-20, lo: 5.150243707130549e-37 };

/** 2²⁷ + 1: Veltkamp's constant for splitting a double into two 26-bit halves. */
const SPLITTER = 134217729;
/** Above this, a·SPLITTER overflows; the split is done on a scaled copy. */
const SPLIT_LIMIT = 6.69692879491417e299;

/**
 * s + e = a + b exactly (Knuth's TwoSum, no branch on magnitudes).
 *
 * @example
 * twoSum(1, 1e-20); // { hi: 1, lo: 1e-20 }
 */
export function twoSum(a: number, b: number): DD {
  const s = a + b,
    bb = s - a;
  return { hi: s, lo: a - (s - bb) + (b - bb) };
}

/**
 * s + e = a + b exactly, given |a| ≥ |b| (or a = 0).
 *
 * @example
 * quickTwoSum(1, 2 ** -60); // { hi: 1, lo: 2 ** -60 }
 */
export function quickTwoSum(a: number, b: number): DD {
  const s = a + b;
  return { hi: s, lo: b - (s - a) };
}

/** Veltkamp's split: a = h + l exactly, each with at most 26 significant bits (so their products are exact). */
function split(a: number): [number, number] {
  if (a > SPLIT_LIMIT || a < -SPLIT_LIMIT) {
    const s = a * 3.725290298461914e-9; // 2⁻²⁸
    const t = SPLITTER * s,
      h = t - (t - s);
    return [h * 268435456, (s - h) * 268435456];
  }
  const t = SPLITTER * a,
    h = t - (t - a);
  return [h, a - h];
}

/**
 * p + e = a·b exactly (Dekker's TwoProd on Veltkamp halves), barring underflow.
 *
 * @example
 * twoProd(1 + 2 ** -30, 1 + 2 ** -30); // { hi: 1 + 2 ** -29, lo: 2 ** -60 }
 */
export function twoProd(a: number, b: number): DD {
  const p = a * b;
  if (!Number.isFinite(p)) return { hi: p, lo: 0 };
  const [ah, al] = split(a),
    [bh, bl] = split(b);
  return { hi: p, lo: ah * bh - p + ah * bl + al * bh + al * bl };
}

/**
 * The dd value of a double.
 *
 * @example
 * dd(0.1); // { hi: 0.1, lo: 0 }
 */
export function dd(x: number): DD {
  return { hi: x, lo: 0 };
}

/**
 * a + b, the accurate ("IEEE") form: two TwoSums, error ≤ 3u²·|a + b|.
 *
 * @example
 * add(dd(1), dd(1e-30)); // { hi: 1, lo: 1e-30 }
 */
export function add(a: DD, b: DD): DD {
  const s = twoSum(a.hi, b.hi),
    t = twoSum(a.lo, b.lo);
  if (!Number.isFinite(s.hi)) return { hi: s.hi, lo: 0 };
  let u = quickTwoSum(s.hi, s.lo + t.hi);
  u = quickTwoSum(u.hi, u.lo + t.lo);
  return u;
}

/**
 * @example
 * neg(dd(2)); // { hi: -2, lo: 0 }
 */
export function neg(a: DD): DD {
  return { hi: -a.hi, lo: -a.lo };
}

/**
 * @example
 * sub(dd(1), dd(1e-30)); // { hi: 1, lo: -1e-30 }
 */
export function sub(a: DD, b: DD): DD {
  return add(a, neg(b));
}

/**
 * a + b for a double b.
 *
 * @example
 * addD(DD_LN2, 1); // 1 + ln 2 in dd
 */
export function addD(a: DD, b: number): DD {
  const s = twoSum(a.hi, b);
  if (!Number.isFinite(s.hi)) return { hi: s.hi, lo: 0 };
  return quickTwoSum(s.hi, s.lo + a.lo);
}

/**
 * a·b: TwoProd of the high parts plus the cross terms.
 *
 * @example
 * mul(dd(3), div(dd(1), dd(3))); // 1 to about 32 digits
 */
export function mul(a: DD, b: DD): DD {
  const p = twoProd(a.hi, b.hi);
  if (!Number.isFinite(p.hi)) return { hi: p.hi, lo: 0 };
  return quickTwoSum(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi));
}

/**
 * a·b for a double b.
 *
 * @example
 * mulD(DD_LN2, 3); // 3 ln 2 in dd
 */
export function mulD(a: DD, b: number): DD {
  const p = twoProd(a.hi, b);
  if (!Number.isFinite(p.hi)) return { hi: p.hi, lo: 0 };
  return quickTwoSum(p.hi, p.lo + a.lo * b);
}

/**
 * a·2ᵏ for an integer k (exact unless it over- or underflows).
 *
 * @example
 * ldexp(dd(3), -2); // { hi: 0.75, lo: 0 }
 */
export function ldexp(a: DD, k: number): DD {
  const s = 2 ** k;
  return { hi: a.hi * s, lo: a.lo * s };
}

/**
 * a / b by long division: a first quotient q1 = a.hi/b.hi, then two correction quotients of the remainder.
 *
 * @example
 * div(dd(1), dd(10)); // 0.1 to about 32 digits
 */
export function div(a: DD, b: DD): DD {
  const q1 = a.hi / b.hi;
  if (!Number.isFinite(q1) || b.hi === 0) return { hi: q1, lo: 0 };
  let r = sub(a, mulD(b, q1));
  const q2 = r.hi / b.hi;
  r = sub(r, mulD(b, q2));
  const q3 = r.hi / b.hi;
  const q = quickTwoSum(q1, q2);
  return addD(q, q3);
}

/**
 * √a by one Newton step on the double square root: x + (a − x²)/(2x), with a − x² exact in dd.
 *
 * @example
 * sqrt(dd(2)); // √2 = { hi: 1.4142135623730951, lo: -9.667293313452912e-17 }
 */
export function sqrt(a: DD): DD {
  if (a.hi <= 0) return { hi: a.hi === 0 ? 0 : NaN, lo: 0 };
  const x = Math.sqrt(a.hi);
  const r = sub(a, twoProd(x, x));
  return quickTwoSum(x, (r.hi + r.lo) / (2 * x));
}

/**
 * a < b, a > b, a == b on the dd values.
 *
 * @example
 * lt(dd(1), twoSum(1, 1e-30)); // true
 */
export function lt(a: DD, b: DD): boolean {
  return a.hi < b.hi || (a.hi === b.hi && a.lo < b.lo);
}
/**
 * @example
 * gt(twoSum(1, 1e-30), dd(1)); // true
 */
export function gt(a: DD, b: DD): boolean {
  return lt(b, a);
}

/**
 * The double nearest a (hi of a normalized value).
 *
 * @example
 * toNumber(twoSum(1, 1e-30)); // 1
 */
export function toNumber(a: DD): number {
  return a.hi + a.lo;
}

/** Σ c_k xᵏ by Horner in dd, for coefficients given as dd from highest degree down. */
function horner(x: DD, coefficients: readonly DD[]): DD {
  let s = coefficients[0];
  for (let i = 1; i < coefficients.length; i++) s = add(mul(s, x), coefficients[i]);
  return s;
}

/** 1/k! for k = 0 … 26 in dd (computed once by dd division, good to ~u²). */
const INV_FACTORIAL: DD[] = (() => {
  const out: DD[] = [DD_ONE];
  for (let k = 1; k <= 26; k++) out.push(div(out[k - 1], dd(k)));
  return out;
})();

/** Σ_{k≥1} rᵏ/k! for |r| ≤ 2⁻¹⁰ (terms to r¹⁰ reach 2⁻¹²⁰ of the sum). */
function expm1Small(r: DD): DD {
  return mul(horner(r, INV_FACTORIAL.slice(1, 12).reverse()), r);
}

/**
 * eˣ: x = k·ln2 + r with |r| ≤ ln2/2, then e^r = (1 + expm1(r/2¹⁰))^(2¹⁰) by ten squarings of 1 + m as m ← 2m + m²
 * (which keeps the small part's relative accuracy), then a scaling by 2ᵏ.
 *
 * @example
 * exp(dd(1)); // e = { hi: 2.718281828459045, lo: 1.4456468917292502e-16 }
 */
export function exp(x: DD): DD {
  if (x.hi > 709.8) return { hi: Infinity, lo: 0 };
  if (x.hi < -745.2) return DD_ZERO;
  if (x.hi === 0 && x.lo === 0) return DD_ONE;
  const k = Math.round(x.hi / DD_LN2.hi);
  const r = ldexp(sub(addD(addD(x, -k * LN2_A), -k * LN2_B), mulD(LN2_C, k)), -10);
  let m = expm1Small(r);
  for (let i = 0; i < 10; i++) m = add(mulD(m, 2), mul(m, m));
  const e = addD(m, 1);
  // 2ᵏ in two factors so that k near ±1074 neither overflows nor flushes early.
  const k1 = Math.trunc(k / 2);
  return ldexp(ldexp(e, k1), k - k1);
}

/**
 * eˣ − 1 without cancellation near 0: the series for |x| ≤ 2⁻¹⁰, else by halving: expm1(2y) = expm1(y)·(expm1(y) + 2).
 *
 * @example
 * expm1(dd(1e-20)); // 1e-20 + 5e-41
 */
export function expm1(x: DD): DD {
  const ax = Math.abs(x.hi);
  if (ax > 0.5) return addD(exp(x), -1);
  let halvings = 0,
    y = x;
  while (Math.abs(y.hi) > 2 ** -10) {
    y = ldexp(y, -1);
    halvings++;
  }
  let m = expm1Small(y);
  for (let i = 0; i < halvings; i++) m = mul(m, addD(m, 2));
  return m;
}

/**
 * ln a = log1p(m − 1) + e·ln 2 for a = m·2ᵉ with m ∈ [1/√2, √2): m − 1 is exact, the series converges fast, e·ln 2 is
 * formed from the Cody–Waite pieces (exact products), and the two terms never cancel by more than a factor ~2. (No
 * Newton step on exp, which would need e⁻ʸ near the underflow for a near 1e300.)
 *
 * @example
 * log(dd(2)); // DD_LN2
 */
export function log(a: DD): DD {
  if (!(a.hi > 0)) return { hi: a.hi === 0 ? -Infinity : NaN, lo: 0 };
  if (a.hi === Infinity) return { hi: Infinity, lo: 0 };
  let e = Math.round(Math.log2(a.hi));
  let m = ldexp(ldexp(a, -Math.trunc(e / 2)), -(e - Math.trunc(e / 2)));
  // log2 of the double may round across a boundary: step e once so m lands in [1/√2, √2).
  if (m.hi > Math.SQRT2) ((m = ldexp(m, -1)), e++);
  else if (m.hi < Math.SQRT1_2) ((m = ldexp(m, 1)), e--);
  const tail = log1p(addD(m, -1));
  if (e === 0) return tail;
  const eLn2 = add(twoSum(e * LN2_A, e * LN2_B), mulD(LN2_C, e));
  return add(eLn2, tail);
}

/** 1/(2n + 1) for n = 0 … 34, the coefficients of the atanh series. */
const INV_ODD: DD[] = Array.from({ length: 35 }, (_, n) => div(DD_ONE, dd(2 * n + 1)));

/**
 * ln(1 + z) without losing z's small part: 2·atanh(s), s = z/(2 + z), as a series for −½ < z ≤ 1 (|s| ≤ 1/3).
 *
 * @example
 * log1p(dd(1e-20)); // 1e-20 − 5e-41
 */
export function log1p(z: DD): DD {
  if (z.hi > 1 || z.hi <= -0.5) return log(addD(z, 1)); // there m − 1 of log is in [−0.3, 0.42]: no loop
  const s = div(z, addD(z, 2)),
    s2 = mul(s, s);
  // s²ⁿ/(2n+1) < 2⁻¹⁰⁷ by n = 34 when |s| ≤ 1/3.
  let sum = DD_ZERO;
  for (let n = 34; n >= 0; n--) sum = add(mul(sum, s2), INV_ODD[n]);
  return ldexp(mul(sum, s), 1);
}

/**
 * tanh x: (1 − e⁻²ˣ)/(1 + e⁻²ˣ) for |x| > ½, expm1(2x)/(expm1(2x) + 2) below (no cancellation near 0); odd.
 *
 * @example
 * tanh(dd(1e-20)); // 1e-20 − 3.3e-61
 */
export function tanh(x: DD): DD {
  if (x.hi < 0) return neg(tanh(neg(x)));
  if (x.hi > 0.5) {
    const t = exp(ldexp(neg(x), 1));
    return div(addD(neg(t), 1), addD(t, 1));
  }
  const m = expm1(ldexp(x, 1));
  return div(m, addD(m, 2));
}

/**
 * softplus x = log(1 + eˣ) = max(x, 0) + log1p(e^−|x|), which never overflows.
 *
 * @example
 * softplus(dd(0)); // ln 2
 */
export function softplus(x: DD): DD {
  const ax = x.hi < 0 ? neg(x) : x;
  const tail = log1p(exp(neg(ax)));
  return x.hi > 0 ? add(x, tail) : tail;
}
