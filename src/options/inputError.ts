// The one error class of bad input to the library (and the CLI): the message says what is wrong, `field` names what was.

/**
 * Bad input: a value, an option, an argument or a file the library refuses. `field` names it as the caller gave it: a
 * library option's key (`steps`, `sigmaW`), a CLI flag (`--steps`), an argument (`buf`) or a file's path.
 *
 * @example
 * try {
 *   train(model, init, data, { lr: 0.1, stpes: 10 } as TrainOptions);
 * } catch (e) {
 *   if (e instanceof CatapultInputError) e.field; // 'stpes'
 * }
 */
export class CatapultInputError extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.name = 'CatapultInputError';
    this.field = field;
  }
}

/** A value as a message shows it: short, and its type where the value alone would not say it (`'10'` vs `10`). */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return `'${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
  if (v === null || typeof v !== 'object') return String(v);
  return Array.isArray(v) ? `an array of ${v.length}` : `an object (${v.constructor?.name ?? 'no prototype'})`;
}

/** Edit distance, for the name a misspelled key was meant to be. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

/**
 * Throws unless `values` is a plain object whose keys are all in `known`: an options object of a library call, where a
 * misspelled key (`stpes`) would otherwise be ignored and its default used. `what` names the call.
 *
 * @example
 * refuseUnknownKeys('train options', { lr: 0.1, stpes: 10 }, ['lr', 'steps']);
 * // CatapultInputError: train options: unknown option 'stpes' (did you mean 'steps'?)
 */
export function refuseUnknownKeys(what: string, values: unknown, known: Iterable<string>): void {
  if (values === null || typeof values !== 'object' || Array.isArray(values)) {
    throw new CatapultInputError(what, `${what} must be an object of options, got ${describeValue(values)}`);
  }
  const names = [...known];
  // Case, dashes and underscores aside, so `sigma_b` and `eig-every` point to sigmaB and eigEvery.
  const bare = (name: string) => name.toLowerCase().replace(/[-_]/g, '');
  for (const key of Object.keys(values)) {
    if (names.includes(key)) continue;
    const near = names
      .map((n) => ({ n, d: distance(bare(key), bare(n)) }))
      .filter((x) => x.d <= 2)
      .sort((a, b) => a.d - b.d)
      .map((x) => x.n);
    const hint = near.length > 0 ? ` (did you mean '${near[0]}'?)` : ` (known: ${names.join(', ')})`;
    throw new CatapultInputError(key, `${what}: unknown option '${key}'${hint}`);
  }
}
