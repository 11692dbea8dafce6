// Command-line option parsing and validation: every value is checked and a bad one is a one-line error.
import { parseArgs } from 'util';
import { ACTIVATIONS, LOSSES, MODEL_KINDS, PARAMETERIZATIONS, Activation, LossKind, ModelKind, Parameterization } from '../models';
import type { SetupOptions } from '../experiments';

export type Options = Record<string, string | boolean | undefined>;

/** Options every model-building command takes (the "model options"). */
export const MODEL_OPTIONS = {
  model: { type: 'string' }, width: { type: 'string' }, depth: { type: 'string' }, act: { type: 'string' },
  param: { type: 'string' }, 'sigma-w': { type: 'string' }, 'sigma-b': { type: 'string' }, outputs: { type: 'string' },
  seed: { type: 'string' }, init: { type: 'string' }, data: { type: 'string' }, samples: { type: 'string' },
  'input-dim': { type: 'string' }, 'data-seed': { type: 'string' }, dataset: { type: 'string' }, 'train-size': { type: 'string' },
  'test-size': { type: 'string' }, classes: { type: 'string' }, rng: { type: 'string' }, loss: { type: 'string' },
} as const;

/** The initialization generators: only numpy's legacy RandomState (MT19937 + polar Box–Muller). */
export const RNGS = ['numpy'] as const;

/** Options of training commands. */
export const TRAIN_OPTIONS = {
  steps: { type: 'string' }, momentum: { type: 'string' }, l2: { type: 'string' }, 'eig-every': { type: 'string' },
  'max-loss': { type: 'string' }, converge: { type: 'string' }, out: { type: 'string' }, track: { type: 'string' },
} as const;

type Spec = Record<string, { type: 'string' | 'boolean' }>;

/** Parses argv against a spec; unknown options and stray positionals are errors. */
export function parse(argv: string[], spec: Spec): Options {
  return parseWithPositionals(argv, spec, false).options;
}

/** Like parse, also returning the positional arguments (directories of merge and plot). */
export function parseWithPositionals(argv: string[], spec: Spec, allowPositionals = true): { options: Options; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...spec, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals });
    return { options: values as Options, positionals };
  } catch (e) {
    throw new Error((e as Error).message.split('\n')[0].replace(/\. To specify.*$/, ''));
  }
}

function str(o: Options, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
}

/** A finite number option, with bounds. */
export function num(o: Options, key: string, def: number, min = -Infinity, minInclusive = true): number {
  const s = str(o, key);
  if (s === undefined) return def;
  const v = s.trim() === '' ? NaN : Number(s);
  const ok = Number.isFinite(v) && (minInclusive ? v >= min : v > min);
  if (!ok) throw new Error(`--${key} must be a finite number ${minInclusive ? '≥' : '>'} ${min}, got '${s}'`);
  return v;
}

/** An integer option ≥ min (undefined when absent and no default). */
export function int(o: Options, key: string, def: number, min: number): number;
export function int(o: Options, key: string, def: undefined, min: number): number | undefined;
export function int(o: Options, key: string, def: number | undefined, min: number): number | undefined {
  const s = str(o, key);
  if (s === undefined) return def;
  const v = s.trim() === '' ? NaN : Number(s);
  if (!Number.isInteger(v) || v < min) throw new Error(`--${key} must be an integer ≥ ${min}, got '${s}'`);
  return v;
}

export function choice<T extends string>(o: Options, key: string, allowed: readonly T[], def: T): T {
  const s = str(o, key);
  if (s === undefined) return def;
  if (!(allowed as readonly string[]).includes(s)) throw new Error(`--${key} must be one of ${allowed.join('|')}, got '${s}'`);
  return s as T;
}

export function text(o: Options, key: string, def?: string): string | undefined {
  const s = str(o, key);
  if (s !== undefined && s.trim() === '') throw new Error(`--${key} needs a value`);
  return s ?? def;
}

/** `--classes 0,1,…`: distinct non-negative integer labels. */
function classList(o: Options): number[] | undefined {
  const s = text(o, 'classes');
  if (s === undefined) return undefined;
  const classes = s.split(',').map((c) => (c.trim() === '' ? NaN : Number(c)));
  const bad = classes.findIndex((c, i) => !Number.isInteger(c) || c < 0 || classes.indexOf(c) !== i);
  if (bad >= 0) throw new Error(`--classes must be distinct non-negative integer labels separated by commas (e.g. 0,1), got '${s}'`);
  return classes;
}

/** With --dataset, the Gaussian-data options do not apply (and the subset options need it). */
function checkDataOptions(o: Options, dataset: string | undefined): void {
  const given = (key: string) => o[key] !== undefined;
  if (dataset === undefined) {
    const stray = ['train-size', 'test-size', 'classes'].find(given);
    if (stray) throw new Error(`--${stray} needs --dataset`);
    return;
  }
  if (given('samples')) throw new Error('--samples sizes the Gaussian data; with --dataset use --train-size');
  if (given('input-dim') && dataset !== 'synthetic') throw new Error(`--input-dim sizes Gaussian or synthetic data; ${dataset} fixes the input dimension`);
}

/** The model/data/init options shared by train, ntk and phase-sweep. */
export function setupOptions(o: Options, defaultModel?: ModelKind): SetupOptions {
  const model = choice<ModelKind>(o, 'model', MODEL_KINDS, defaultModel as ModelKind);
  if (model === undefined) throw new Error(`--model is required (one of ${MODEL_KINDS.join('|')})`);
  const dataset = text(o, 'dataset');
  checkDataOptions(o, dataset);
  choice(o, 'rng', RNGS, 'numpy');
  return {
    model,
    width: int(o, 'width', undefined, 1),
    depth: int(o, 'depth', undefined, 1),
    act: choice<Activation>(o, 'act', ACTIVATIONS, 'relu'),
    param: choice<Parameterization>(o, 'param', PARAMETERIZATIONS, 'ntk'),
    sigmaW: num(o, 'sigma-w', Math.SQRT2, 0),
    sigmaB: num(o, 'sigma-b', 0, 0),
    outputs: int(o, 'outputs', undefined, 1),
    seed: seedOption(o, 'seed', 0),
    init: text(o, 'init'),
    data: text(o, 'data'),
    samples: int(o, 'samples', 16, 1),
    inputDim: int(o, 'input-dim', dataset === 'synthetic' ? 20 : 8, 1),
    dataSeed: seedOption(o, 'data-seed', 0),
    dataset,
    trainSize: int(o, 'train-size', undefined, 1),
    testSize: int(o, 'test-size', undefined, 0),
    classes: classList(o),
    loss: choice<LossKind>(o, 'loss', LOSSES, 'mse'),
  };
}

/** A seed for numpy's RandomState: an integer in [0, 2^32 − 1]. */
export function seedOption(o: Options, key: string, def: number): number {
  const v = int(o, key, def, 0);
  if (v > 0xffffffff) throw new Error(`--${key} must be an integer in [0, 4294967295], got '${str(o, key)}'`);
  return v;
}

/** GD options shared by train and phase-sweep. */
export function trainOptions(o: Options, defaults: { steps: number; eigEvery: number }) {
  return {
    steps: int(o, 'steps', defaults.steps, 0),
    momentum: num(o, 'momentum', 0, 0),
    l2: num(o, 'l2', 0, 0),
    eigEvery: int(o, 'eig-every', defaults.eigEvery, 0),
    maxLoss: num(o, 'max-loss', 1e12, 0, false),
    convergeFraction: num(o, 'converge', 1e-8, 0, false),
    // `--track hessian`: the loss Hessian's top eigenvalue beside λ (the NTK's) wherever λ is measured.
    trackHessian: choice(o, 'track', ['ntk', 'hessian'] as const, 'ntk') === 'hessian',
  };
}

/** A comma-separated list of integers ≥ min (e.g. `--widths 250,500,1000`); distinct, at least one. */
export function intList(o: Options, key: string, min: number, max = Number.MAX_SAFE_INTEGER): number[] | undefined {
  const s = text(o, key);
  if (s === undefined) return undefined;
  const xs = s.split(',').map((x) => (x.trim() === '' ? NaN : Number(x)));
  const bad = xs.findIndex((x, i) => !Number.isInteger(x) || x < min || x > max || xs.indexOf(x) !== i);
  if (bad >= 0) throw new Error(`--${key} must be distinct integers in [${min}, ${max}] separated by commas, got '${s}'`);
  return xs;
}

/** `--shard i/N`: the i-th (0 … N−1) of N slices of a sweep's grid. */
export function shardOption(o: Options): { index: number; count: number } | undefined {
  const s = text(o, 'shard');
  if (s === undefined) return undefined;
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(s);
  if (m === null) throw new Error(`--shard must be i/N (e.g. 0/8, for SLURM_ARRAY_TASK_ID/array size), got '${s}'`);
  const [index, count] = [Number(m[1]), Number(m[2])];
  if (count < 1 || index >= count) throw new Error(`--shard ${s} is out of range: need 0 ≤ i < N and N ≥ 1`);
  return { index, count };
}
