// Options declared once (flag, type, default, check, saved name): the CLI, the library types and the saved configs derive from them.
import { CatapultInputError, describeValue } from './inputError';
import { Wrapping, conditionValue } from './standsFor';

/** What a declaration knows of the other options while it checks its own (raw CLI text, or parsed values). */
export type OptionValues = Readonly<Record<string, unknown>>;

/** One option of a command or of the library. `T` includes `undefined` when the option has no default. */
export interface OptionDecl<T> {
  /** CLI flag without the dashes, e.g. `eig-every`. */
  readonly flag: string;
  /** Metavariable in the help (`N`, `FILE`); absent for a switch, which takes no value. */
  readonly arg?: string;
  /** One line for `catapult <command> --help`. */
  readonly help: string;
  /** How the help shows the default, where `String(default)` would not say it well (e.g. `√2`). */
  readonly defaultText?: string;
  /** The value when the option is not given; a function sees the other options' parsed values. */
  readonly default?: T | ((values: OptionValues) => T);
  /** Required on the command line; the text says what to give (e.g. "an absolute η, or …"). */
  readonly required?: string;
  /** Text (as typed) to value; throws a one-line error naming the flag. */
  readonly parse: (text: string) => T;
  /** What is wrong with a value, or null: run on parsed values and on library calls alike. */
  check?(value: T): string | null; // method syntax: a Schema may hold OptionDecl<number> beside OptionDecl<string>
  /** Key under which the value is saved in golden files' config (snake_case, a public format). */
  readonly saved?: string;
  /** The option is used only when `option` has one of `values` (e.g. --act only with --model mlp). */
  readonly onlyWhen?: { readonly option: string; readonly values: readonly string[] };
  /** This option's `value` wraps option `by`'s (--model quadratic, --base): an `onlyWhen` on it then reads `by`'s. */
  readonly standsFor?: Wrapping;
  /** The option means something only beside this other flag (e.g. --train-size needs --dataset). */
  readonly needs?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Schema = Readonly<Record<string, OptionDecl<any>>>;

type DeclType<D> = D extends OptionDecl<infer T> ? T : never;
type OptionalKeys<S extends Schema> = { [K in keyof S]: undefined extends DeclType<S[K]> ? K : never }[keyof S];
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/** The values a schema describes, keyed as in the schema; options without a default are optional. */
export type Values<S extends Schema> = Simplify<
  { -readonly [K in Exclude<keyof S, OptionalKeys<S>>]: DeclType<S[K]> } & { -readonly [K in OptionalKeys<S>]?: DeclType<S[K]> }
>;

interface Common<T> {
  flag: string;
  help: string;
  defaultText?: string;
  arg?: string;
  saved?: string;
  required?: string;
  onlyWhen?: OptionDecl<T>['onlyWhen'];
  standsFor?: OptionDecl<T>['standsFor'];
  needs?: string;
}

/** A number as typed: decimal only (so `0x10`, `0b11` and `1_000` are not silently accepted). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * The number a text spells in decimal notation, or NaN (also for hex, binary, empty and NaN/Infinity).
 *
 * @example
 * decimal('1e-3'); // 0.001
 * decimal('0x10'); // NaN
 */
export function decimal(text: string): number {
  const s = text.trim();
  return DECIMAL.test(s) ? Number(s) : NaN;
}

/** Runs a declaration's check and throws `--flag problem, got 'text'`. */
function checked<T>(flag: string, check: ((v: T) => string | null) | undefined, value: T, text: string): T {
  const problem = check?.(value);
  if (problem) throw new CatapultInputError(`--${flag}`, `--${flag} ${problem}, got '${text}'`);
  return value;
}

/** A declaration from its parts, with `parse` that applies `check`. */
function decl<T>(
  c: Common<T>,
  toValue: (text: string) => T,
  check: ((v: T) => string | null) | undefined,
  def?: OptionDecl<T>['default'],
): OptionDecl<T> {
  return { arg: 'X', ...c, default: def, check, parse: (text) => checked(c.flag, check, toValue(text), text) };
}

/**
 * An integer option in [min, max].
 *
 * @example
 * const steps = int({ flag: 'steps', arg: 'T', help: 'GD steps', min: 0, default: 1000 });
 */
export function int(c: Common<number> & { min: number; max?: number; default: number | ((v: OptionValues) => number) }): OptionDecl<number>;
export function int(c: Common<number | undefined> & { min: number; max?: number }): OptionDecl<number | undefined>;
export function int(
  c: Common<number | undefined> & { min: number; max?: number; default?: number | ((v: OptionValues) => number) },
): OptionDecl<number | undefined> {
  const max = c.max ?? Number.MAX_SAFE_INTEGER;
  const range = c.max === undefined ? `an integer ≥ ${c.min}` : `an integer in [${c.min}, ${c.max}]`;
  const check = (v: number | undefined) => (v !== undefined && Number.isInteger(v) && v >= c.min && v <= max ? null : `must be ${range}`);
  return decl<number | undefined>({ arg: 'N', ...c }, decimal, check, c.default);
}

/**
 * A finite number option with bounds (`above` is exclusive, `atLeast` inclusive, `below` exclusive).
 *
 * @example
 * const l2 = num({ flag: 'l2', arg: 'c', help: 'L2 coefficient', atLeast: 0, default: 0 });
 */
export function num(c: Common<number> & { atLeast?: number; above?: number; below?: number; default: number }): OptionDecl<number>;
export function num(c: Common<number | undefined> & { atLeast?: number; above?: number; below?: number }): OptionDecl<number | undefined>;
export function num(
  c: Common<number | undefined> & { atLeast?: number; above?: number; below?: number; default?: number },
): OptionDecl<number | undefined> {
  const lo = c.above !== undefined ? `> ${c.above}` : c.atLeast !== undefined ? `≥ ${c.atLeast}` : '';
  const what =
    c.below !== undefined
      ? `must be in ${c.above !== undefined ? '(' : '['}${c.above ?? c.atLeast}, ${c.below})`
      : `must be a finite number ${lo}`.trimEnd();
  const check = (v: number | undefined) => {
    const ok =
      v !== undefined &&
      Number.isFinite(v) &&
      (c.above === undefined || v > c.above) &&
      (c.atLeast === undefined || v >= c.atLeast) &&
      (c.below === undefined || v < c.below);
    return ok ? null : what;
  };
  return decl<number | undefined>({ arg: 'X', ...c }, decimal, check, c.default);
}

/**
 * One of a fixed list of words.
 *
 * @example
 * const act = choice({ flag: 'act', help: 'activation', values: ['relu', 'tanh'] as const, default: 'relu' });
 */
export function choice<V extends string>(c: Common<V> & { values: readonly V[]; default: V }): OptionDecl<V>;
export function choice<V extends string>(c: Common<V | undefined> & { values: readonly V[] }): OptionDecl<V | undefined>;
export function choice<V extends string>(c: Common<V | undefined> & { values: readonly V[]; default?: V }): OptionDecl<V | undefined> {
  const check = (v: V | undefined) => (v !== undefined && c.values.includes(v) ? null : `must be one of ${c.values.join('|')}`);
  return decl<V | undefined>({ arg: c.values.join('|'), ...c }, (t) => t as V, check, c.default);
}

/**
 * A non-empty text (a path, a spec); `toValue` may turn it into something else and throw on bad input.
 *
 * @example
 * const init = text({ flag: 'init', arg: 'FILE', help: 'initial parameters (.npz)' });
 */
export function text(c: Common<string> & { default: string }): OptionDecl<string>;
export function text(c: Common<string | undefined>): OptionDecl<string | undefined>;
export function text(c: Common<string | undefined> & { default?: string }): OptionDecl<string | undefined> {
  return decl<string | undefined>(
    { arg: 'TEXT', ...c },
    (t) => t,
    (v) => (typeof v !== 'string' ? 'must be a text' : v.trim() === '' ? 'needs a value' : null),
    c.default,
  );
}

/**
 * A value parsed by a function of the option's own (e.g. a learning rate `1.5x`, a list `0,1,2`); optional unless
 * it is `required` or has a default.
 *
 * @example
 * const lr = parsed({ flag: 'lr', arg: 'η|Cx', help: 'learning rate', required: 'an absolute η or Cx', parse: parseLr });
 */
export function parsed<T>(c: Common<T> & Parsing<T> & ({ required: string } | { default: T })): OptionDecl<T>;
export function parsed<T>(c: Common<T | undefined> & Parsing<T>): OptionDecl<T | undefined>;
export function parsed<T>(c: Common<T> & Parsing<T> & { default?: T }): OptionDecl<T> {
  const check = c.check;
  return {
    arg: 'X',
    ...c,
    check,
    parse: (t) => {
      if (t.trim() === '') throw new CatapultInputError(`--${c.flag}`, `--${c.flag} needs a value`);
      return checked(c.flag, check, c.parse(t), t);
    },
  };
}

/** How a `parsed` option reads its text, and what is wrong with a value a library call gives (the CLI's value too). */
interface Parsing<T> {
  parse: (text: string) => T;
  check?: (value: T) => string | null;
}

/**
 * A switch: true when given, false otherwise.
 *
 * @example
 * const quiet = flag({ flag: 'quiet', help: 'no progress bar' });
 */
export function flag(c: Omit<Common<boolean>, 'arg'>): OptionDecl<boolean> {
  return { ...c, default: false, parse: () => true, check: (v: boolean) => (typeof v === 'boolean' ? null : 'must be true or false') };
}

/**
 * A parser for one of a fixed list of words, for a `parsed` option that must be given (a `choice` has a default).
 *
 * @example
 * const model = parsed({ flag: 'model', help: '…', required: 'one of warmup|linear|mlp', parse: oneOf('model', MODEL_KINDS) });
 */
export function oneOf<V extends string>(flagName: string, values: readonly V[]): (text: string) => V {
  return (t) => {
    if (!(values as readonly string[]).includes(t)) throw new Error(`--${flagName} must be one of ${values.join('|')}, got '${t}'`);
    return t as V;
  };
}

/** A seed for numpy's RandomState: an integer in [0, 2^32 − 1]. */
export function seed(c: Common<number> & { default: number }): OptionDecl<number> {
  return int({ arg: 'S', ...c, min: 0, max: 0xffffffff });
}

/**
 * Values from raw CLI text (`undefined` where a flag was not given; `true` for a given switch), in schema order:
 * parsed, checked, defaulted, and refused where `onlyWhen` says the option does not apply.
 *
 * @example
 * const o = parseValues(TRAIN_OPTIONS, { steps: '10' }, { steps: 1000 }); // o.steps === 10
 */
export function parseValues<S extends Schema>(
  schema: S,
  raw: Readonly<Record<string, string | boolean | undefined>>,
  defaults: Partial<Values<S>> = {},
): Values<S> {
  const out: Record<string, unknown> = {};
  const deferred: string[] = [];
  for (const [key, d] of Object.entries(schema)) {
    const given = raw[d.flag];
    if (given !== undefined) {
      out[key] = typeof given === 'boolean' ? given : d.parse(given);
      continue;
    }
    if (d.required !== undefined && !(key in defaults))
      throw new CatapultInputError(`--${d.flag}`, `--${d.flag} is required (${d.required})`);
    const def = key in defaults ? (defaults as Record<string, unknown>)[key] : d.default;
    if (typeof def === 'function') deferred.push(key);
    out[key] = def;
  }
  for (const key of deferred) out[key] = (out[key] as (v: OptionValues) => unknown)(out);
  for (const d of Object.values(schema)) {
    if (d.needs !== undefined && raw[d.flag] !== undefined && raw[d.needs] === undefined)
      throw new CatapultInputError(`--${d.flag}`, `--${d.flag} needs --${d.needs}`);
    const w = d.onlyWhen;
    if (w === undefined || raw[d.flag] === undefined) continue;
    // An option without a declared default that was not given stands for the default its help names.
    const valueOfFlag = (f: string) => {
      const on = Object.entries(schema).find(([, e]) => e.flag === f);
      return on ? (out[on[0]] ?? on[1].defaultText) : raw[f];
    };
    const { value, as } = conditionValue(schema, d, w.option, valueOfFlag);
    if (!w.values.includes(String(value))) {
      const why = `--${d.flag} does not apply with ${as} (only with --${w.option} ${w.values.join('|')})`;
      throw new CatapultInputError(`--${d.flag}`, why);
    }
  }
  return out as Values<S>;
}

/**
 * Checks library-supplied values against the declarations (the same checks the CLI runs); throws `flag problem, got v`
 * as a CatapultInputError whose `field` is the key.
 *
 * @example
 * checkValues(TRAIN_OPTIONS, { steps: -1, … }); // CatapultInputError: steps must be an integer ≥ 0, got -1
 */
export function checkValues<S extends Schema>(schema: S, values: Partial<Values<S>>): void {
  for (const [key, d] of Object.entries(schema)) {
    const v = (values as Record<string, unknown>)[key];
    if (v === undefined) continue;
    const problem = d.check?.(v);
    if (problem) throw new CatapultInputError(key, `${d.flag} ${problem}, got ${describeValue(v)}`);
  }
}

/**
 * The given values with the declared defaults filled in where a value is missing (after the declared checks).
 *
 * @example
 * const o = withDefaults(TRAIN_OPTIONS, { steps: 10 }); // o.maxLoss === DIVERGENCE_LOSS
 */
export function withDefaults<S extends Schema, V extends Partial<Values<S>>>(schema: S, values: V): Values<S> & V {
  checkValues(schema, values);
  const out: Record<string, unknown> = {};
  const deferred: string[] = [];
  for (const [k, d] of Object.entries(schema)) {
    const v = (values as Record<string, unknown>)[k];
    out[k] = v ?? d.default;
    if (v === undefined && typeof d.default === 'function') deferred.push(k);
  }
  for (const k of deferred) out[k] = (out[k] as (v: OptionValues) => unknown)(out);
  return { ...values, ...out } as Values<S> & V;
}

/**
 * The values under their saved names, in schema order (options without a saved name, or without a value, are left out).
 *
 * @example
 * savedFields(TRAIN_OPTIONS, o); // { steps: 100, momentum: 0, …, eig_every: 1, max_loss: 1e12, converge: 1e-8 }
 */
export function savedFields<S extends Schema>(
  schema: S,
  values: Values<S>,
  keys: readonly (keyof S)[] = Object.keys(schema),
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const d = schema[k];
    const v = (values as Record<keyof S, unknown>)[k];
    // An option without a default that was not given is left out, as the JSON written from it would leave it out.
    if (d.saved !== undefined && v !== undefined) out[d.saved] = v;
  }
  return out;
}

/**
 * Values read back from saved fields; a field a file lacks takes its declared default (files older than the option).
 *
 * @example
 * const o = fromSaved(TRAIN_OPTIONS, golden.meta.config);
 */
export function fromSaved<S extends Schema>(
  schema: S,
  saved: Readonly<Record<string, unknown>>,
  keys: readonly (keyof S)[] = Object.keys(schema),
): Partial<Values<S>> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const d = schema[k];
    if (d.saved === undefined) continue;
    out[k as string] = saved[d.saved] ?? (typeof d.default === 'function' ? undefined : d.default);
  }
  return out as Partial<Values<S>>;
}

/**
 * The values of a schema's keys, in schema order, out of a larger set (a command's values hold several schemas).
 *
 * @example
 * const settings = pickValues(TRAIN_OPTIONS, commandValues); // steps, momentum, … only
 */
export function pickValues<S extends Schema>(schema: S, values: Values<S>): Values<S>;
export function pickValues<S extends Schema>(schema: S, values: Partial<Values<S>>): Partial<Values<S>>;
export function pickValues<S extends Schema>(schema: S, values: Partial<Values<S>>): Partial<Values<S>> {
  return Object.fromEntries(Object.keys(schema).map((k) => [k, (values as Record<string, unknown>)[k]])) as Partial<Values<S>>;
}

/** The schema without some keys (a command that does not use them). */
export function omit<S extends Schema, K extends keyof S>(schema: S, ...keys: K[]): Omit<S, K> {
  return Object.fromEntries(Object.entries(schema).filter(([k]) => !keys.includes(k as K))) as Omit<S, K>;
}

/** The value an option takes in schema `values`: as given, else its declared default, else what its help names. */
function valueOf(schema: Schema, values: OptionValues, flagName: string): unknown {
  const entry = Object.entries(schema).find(([, d]) => d.flag === flagName);
  if (entry === undefined) return undefined;
  const [key, d] = entry;
  return values[key] ?? (typeof d.default === 'function' ? undefined : d.default) ?? d.defaultText;
}

/**
 * Why the value of `key` does not apply beside the other values (its `onlyWhen` fails, or the option it `needs` has
 * no value), or null when it applies: what a saved config leaves out.
 *
 * @example
 * notApplied(SETUP_OPTIONS, { model: 'cnn', act: 'relu' }, 'act'); // 'only with --model mlp'
 */
export function notApplied<S extends Schema>(schema: S, values: Partial<Values<S>>, key: keyof S): string | null {
  const d = schema[key];
  const w = d.onlyWhen;
  if (w !== undefined && !w.values.includes(String(conditionValue(schema, d, w.option, (f) => valueOf(schema, values, f)).value)))
    return `only with --${w.option} ${w.values.join('|')}`;
  if (d.needs !== undefined && valueOf(schema, values, d.needs) === undefined) return `only with --${d.needs}`;
  return null;
}

/**
 * A saved value read back through its option's own parser and check (lists as comma-separated text): throws the
 * option's one-line problem, or says the value is not of the option's type when the parse does not give it back.
 *
 * @example
 * checkSavedValue(SETUP_OPTIONS.seed, Infinity); // Error: --seed must be an integer in [0, 4294967295], got 'Infinity'
 */
export function checkSavedValue(d: OptionDecl<unknown>, value: unknown): void {
  const back = d.parse(Array.isArray(value) ? value.join(',') : String(value));
  if (JSON.stringify(back) !== JSON.stringify(value))
    throw new Error(
      `${JSON.stringify(value)?.slice(0, 40)} is not a value --${d.flag} takes (it reads as ${JSON.stringify(back)?.slice(0, 40)})`,
    );
}
