// The fuzz suite's mutations: a seeded generator, byte-level edits any file format gets, and JSON-value edits for goldens.

/** A small seeded generator (mulberry32): the same case index always gives the same mutated input. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}

/** A named edit of a file's bytes. */
export interface ByteMutation {
  what: string;
  apply(bytes: Buffer, rng: Rng): Buffer;
}

/** Where edits land: mostly in the first 256 bytes (headers), where a reader's trust is decided. */
const spot = (n: number, rng: Rng) => (n === 0 ? 0 : rng.next() < 0.7 ? rng.int(Math.min(n, 256)) : rng.int(n));

const copyWith = (b: Buffer, f: (c: Buffer) => void) => {
  const c = Buffer.from(b);
  f(c);
  return c;
};

/** Edits that need no knowledge of the format: they find what a reader checks nowhere but in its own arithmetic. */
export const BYTE_MUTATIONS: readonly ByteMutation[] = [
  { what: 'flip a bit', apply: (b, r) => copyWith(b, (c) => b.length && (c[spot(b.length, r)] ^= 1 << r.int(8))) },
  { what: 'byte to 0xff', apply: (b, r) => copyWith(b, (c) => b.length && (c[spot(b.length, r)] = 0xff)) },
  { what: 'byte to 0', apply: (b, r) => copyWith(b, (c) => b.length && (c[spot(b.length, r)] = 0)) },
  {
    what: 'uint32 to a huge value',
    apply: (b, r) =>
      copyWith(b, (c) => b.length >= 4 && c.writeUInt32LE(r.pick([0xffffffff, 0x7fffffff, 0x10000000]), spot(b.length - 3, r))),
  },
  { what: 'truncate', apply: (b, r) => b.subarray(0, r.int(b.length + 1)) },
  { what: 'empty', apply: () => Buffer.alloc(0) },
  { what: 'append junk', apply: (b, r) => Buffer.concat([b, Buffer.from(Array.from({ length: 1 + r.int(64) }, () => r.int(256)))]) },
  {
    what: 'duplicate a chunk',
    apply: (b, r) => {
      const at = r.int(b.length + 1),
        len = r.int(Math.min(64, b.length - at) + 1);
      return Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
    },
  },
  {
    what: 'delete a chunk',
    apply: (b, r) => {
      const at = r.int(b.length + 1);
      return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + r.int(32))]);
    },
  },
];

/** The values a JSON field is replaced by: other types, non-finite and extreme numbers, and near-misses of numbers. */
export function jsonReplacement(old: unknown, rng: Rng): { value: unknown; what: string } {
  const numeric = typeof old === 'number';
  const choices: { value: () => unknown; what: string }[] = [
    { value: () => null, what: 'null' },
    { value: () => 'x', what: 'a string' },
    { value: () => [], what: 'an empty array' },
    { value: () => ({}), what: 'an object' },
    { value: () => true, what: 'true' },
    { value: () => -5, what: '-5' },
    { value: () => 0, what: '0' },
    { value: () => 1e300, what: '1e300' },
    { value: () => '1e400', what: '"1e400"' },
    { value: () => 'NaN', what: '"NaN"' },
  ];
  if (numeric) {
    const x = old as number;
    choices.push(
      { value: () => x * 2 || 1, what: 'doubled' },
      { value: () => x * (1 + 1e-6) || 1e-6, what: 'times 1 + 1e-6' },
      { value: () => -x || -1, what: 'negated' },
      { value: () => x + 1, what: 'plus 1' },
      { value: () => x + 0.5, what: 'plus 0.5' },
    );
  }
  if (typeof old === 'string') choices.push({ value: () => `${old}x`, what: 'a suffix' });
  if (Array.isArray(old)) choices.push({ value: () => old.slice(0, -1), what: 'its last element dropped' });
  if (Array.isArray(old)) choices.push({ value: () => [...old, old[old.length - 1]], what: 'its last element repeated' });
  const c = rng.pick(choices);
  return { value: c.value(), what: c.what };
}

/** Every path to a value in a JSON document (arrays of numbers count as one value, and each element as one). */
export function jsonPaths(doc: unknown, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (prefix.length > 0) out.push(prefix);
  if (Array.isArray(doc)) {
    // Long arrays contribute a few elements, so trajectories do not crowd out the config.
    const picks = doc.length <= 4 ? doc.map((_, i) => i) : [0, 1, doc.length - 1];
    for (const i of picks) jsonPaths(doc[i], [...prefix, i], out);
  } else if (doc && typeof doc === 'object') {
    for (const k of Object.keys(doc)) jsonPaths((doc as Record<string, unknown>)[k], [...prefix, k], out);
  }
  return out;
}

/** Sets (or, with `remove`, deletes) the value at `path` in `doc`, in place. */
export function setPath(doc: unknown, path: readonly (string | number)[], value: unknown, remove = false): void {
  let node = doc as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (!remove) node[last] = value;
  else if (Array.isArray(node)) node.splice(last as number, 1);
  else delete node[last];
}

export function getPath(doc: unknown, path: readonly (string | number)[]): unknown {
  return path.reduce((n: any, k) => (n === null || n === undefined ? undefined : n[k]), doc);
}
