// Golden trajectories (schema `catapult-golden` v1): one GD run recorded step by step, written as JSON or .npz, and rechecked.
import * as path from 'path';
import { Tensor, sameShape, shapeString, tensor } from '../../linalg/tensor';
import { parseNpz, serializeNpz } from '../../io/npz';
import { serializeNpyBytes } from '../../io/npy';
import { checkJsonDepth, readFileOrThrow, writeFileAtomic } from '../../io/files';
import { exactJson } from '../../io/output';
import { sha256Tensors } from '../../io/digest';
import { backendInfo } from '../../linalg/backend';
import { Values, savedFields, withDefaults } from '../../options';
import { Model, StepRecord, appliedModelConfig, lambdaAt, optimizerSettings, train } from '../../models';
import { formatLr, resolveRunLr } from '../run/lr';
import type { Setup } from '../run/setup';
import { SETUP_OPTIONS, SetupInput, appliedSetup } from '../run/setupOptions';
import { VERSION } from '../run/version';
import { checkGoldenMeta } from './goldenSchema';
import { checkGoldenArrays, checkSavedSteps, checkStepIndex } from './goldenArrays';
import { reproducibleDigits } from './goldenDigits';
import { GOLDEN_SCHEMA, GOLDEN_SCHEMA_VERSION, Golden, GoldenMeta, ORACLE_OPTIONS, OracleOptions } from './goldenFormat';

export * from './goldenFormat';
export { sha256Tensors } from '../../io/digest';
import { goldenOptimizer } from './goldenFormat';

function stack(rows: readonly Float64Array[], shape: readonly number[]): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(rows.length * size);
  rows.forEach((r, i) => out.set(r, i * size));
  return tensor([rows.length, ...shape], out);
}

/**
 * Runs GD from `s` and records the golden trajectory (loss, f, λ_t every `eigEvery` steps, θ every `paramsEvery`).
 *
 * @example
 * const g = makeGolden(setup(so), so, { lr: parseLr('1.5x'), steps: 100, momentum: 0, l2: 0, eigEvery: 1,
 *   maxLoss: DIVERGENCE_LOSS, convergeFraction: 1e-8, paramsEvery: 0 });
 * writeGolden('golden.json', g);
 */
export function makeGolden(s: Setup, so: SetupInput, o: OracleOptions): Golden {
  const lambda0 = lambdaAt(s.model, s.init, s.data);
  const { eta, reference, hessian0 } = resolveRunLr(s, o.lr, lambda0);
  const { lr: _lr, ...given } = o;
  // Under SGD the batch seed is recorded resolved, so a reader never has to know its default.
  const recorded = given.batch === undefined ? given : { ...given, batchSeed: given.batchSeed ?? 0 };
  const r = trainGolden(s.model, s.init, s.data, eta, recorded);
  const m = s.data.X.shape[0],
    k = s.model.config.outputs;
  const b = backendInfo();
  const meta: GoldenMeta = {
    schema: GOLDEN_SCHEMA,
    schema_version: GOLDEN_SCHEMA_VERSION,
    engine: VERSION,
    backend: { name: b.name, flavor: b.flavor },
    config: {
      model: appliedModelConfig(s.model.config, { initFromFile: so.init !== undefined }),
      init: so.init ? { file: so.init } : { rng: 'numpy', seed: withDefaults(SETUP_OPTIONS, so).seed },
      setup: appliedSetup(so),
      data_source: s.data.source,
      lr: formatLr(o.lr),
      eta,
      lambda0,
      lr_reference: reference,
      hessian0,
      ...savedFields(ORACLE_OPTIONS, recorded),
      optimizer: goldenOptimizer(optimizerSettings(o)),
    },
    param_names: s.model.specs.map((p) => p.name),
    param_shapes: s.model.specs.map((p) => [...p.shape]),
    sha256: { init: sha256Tensors(s.init), data: sha256Tensors([s.data.X, s.data.Y]) },
    result: { steps_run: r.records.length - 1, diverged: r.diverged, converged_at: r.convergedAt, phase: r.phase },
  };
  const rounding = reproducibleDigits(s, eta, recorded, r.records.length);
  if (rounding !== null) meta.result.chaotic = rounding.chaotic;
  const digits = rounding?.digits ?? null;
  return { meta, init: s.init, data: { X: s.data.X, Y: s.data.Y }, ...trajectoryArrays(s.model, r.records, m, k, recorded.batch), digits };
}

export function trainGolden(model: Model, init: readonly Tensor[], data: Setup['data'], eta: number, o: Values<typeof ORACLE_OPTIONS>) {
  const { paramsEvery, ...settings } = o;
  return train(model, init, data, {
    ...settings,
    lr: eta,
    recordOutputs: true,
    recordParams: paramsEvery > 0,
    recordParamsEvery: paramsEvery > 0 ? paramsEvery : undefined,
  });
}

export function trajectoryArrays(
  model: Model,
  records: readonly StepRecord[],
  m: number,
  k: number,
  batch: number | undefined,
): Omit<Golden, 'meta' | 'init' | 'data' | 'digits'> {
  const saved = records.filter((r) => r.params !== undefined);
  const stepped = records.filter((r) => r.batch !== undefined);
  return {
    batches:
      batch === undefined
        ? null
        : stack(
            stepped.map((r) => Float64Array.from(r.batch!)),
            [batch],
          ),
    batchLoss: batch === undefined ? null : Float64Array.from(records, (r) => r.batchLoss ?? NaN),
    loss: Float64Array.from(records, (r) => r.loss),
    lambda: Float64Array.from(records, (r) => r.lambda ?? NaN),
    paramNorm: Float64Array.from(records, (r) => r.paramNorm),
    f: stack(
      records.map((r) => r.outputs!),
      [m, k],
    ),
    params: {
      t: saved.map((r) => r.t),
      values: model.specs.map((p, i) =>
        stack(
          saved.map((r) => r.params![i]),
          p.shape,
        ),
      ),
    },
  };
}

// ---- files ----

/** A tensor as nested lists (what np.array turns back into the same array); non-finite values become null, −0 stays −0. */
function nested(t: Tensor): unknown {
  const fin = (x: number) => (Number.isFinite(x) ? x : null);
  const rec = (axis: number, offset: number): unknown => {
    if (axis === t.shape.length) return fin(t.data[offset]);
    const stride = t.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: t.shape[axis] }, (_, i) => rec(axis + 1, offset + i * stride));
  };
  return rec(0, 0);
}

function fromNested(value: unknown, shape: readonly number[], what: string): Tensor {
  const out = new Float64Array(shape.reduce((a, b) => a * b, 1));
  let pos = 0;
  const rec = (v: unknown, axis: number): void => {
    if (axis === shape.length) {
      if (v !== null && typeof v !== 'number')
        throw new Error(`${what}: expected a number or null, found ${JSON.stringify(v)?.slice(0, 40)}`);
      out[pos++] = v === null ? NaN : v;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[axis]) throw new Error(`${what}: expected shape ${shapeString(shape)}`);
    for (const x of v) rec(x, axis + 1);
  };
  rec(value, 0);
  return tensor(shape, out);
}

const vec = (a: Float64Array) => tensor([a.length], a);

/**
 * Writes a golden file: `.json` (one object, arrays as nested lists, non-finite values as null) or `.npz`
 * (the metadata as a uint8 JSON array `meta`, the rest as float64 arrays). See docs/oracle.md, "The golden format".
 *
 * @example
 * writeGolden('golden.npz', g); // np.load('golden.npz')['loss']
 */
export function writeGolden(file: string, g: Golden): void {
  const ext = path.extname(file).toLowerCase();
  const names = g.meta.param_names;
  if (ext === '.json') {
    const obj = {
      ...g.meta,
      t: Array.from({ length: g.loss.length }, (_, i) => i),
      loss: nested(vec(g.loss)),
      lambda: nested(vec(g.lambda)),
      param_norm: nested(vec(g.paramNorm)),
      ...(g.digits ? { digits: nested(vec(g.digits)) } : {}),
      ...(g.batches ? { batches: nested(g.batches), batch_loss: nested(vec(g.batchLoss!)) } : {}),
      f: nested(g.f),
      params: { t: g.params.t, ...Object.fromEntries(names.map((n, i) => [n, nested(g.params.values[i])])) },
      init: Object.fromEntries(names.map((n, i) => [n, nested(g.init[i])])),
      data: { X: nested(g.data.X), Y: nested(g.data.Y) },
    };
    writeFileAtomic(file, exactJson(obj) + '\n');
  } else if (ext === '.npz') {
    const arrays = new Map<string, Tensor | Buffer>([
      ['meta', serializeNpyBytes(Buffer.from(JSON.stringify(g.meta), 'utf8'))],
      ['t', vec(Float64Array.from({ length: g.loss.length }, (_, i) => i))],
      ['loss', vec(g.loss)],
      ['lambda', vec(g.lambda)],
      ['param_norm', vec(g.paramNorm)],
      ...(g.digits ? [['digits', vec(g.digits)] as [string, Tensor]] : []),
      ...(g.batches ? [['batches', g.batches] as [string, Tensor], ['batch_loss', vec(g.batchLoss!)] as [string, Tensor]] : []),
      ['f', g.f],
      ['params_t', vec(Float64Array.from(g.params.t))],
      ...names.map((n, i) => [`params_${n}`, g.params.values[i]] as [string, Tensor]),
      ...names.map((n, i) => [`init_${n}`, g.init[i]] as [string, Tensor]),
      ['data_X', g.data.X],
      ['data_Y', g.data.Y],
    ]);
    writeFileAtomic(file, serializeNpz(arrays));
  } else {
    throw new Error(`--out must end in .json or .npz, got '${file}'`);
  }
}

/**
 * Reads a golden file (.json or .npz), rejecting other schemas and versions with a one-line error.
 *
 * @example
 * const g = readGolden('golden.json'); g.meta.config.eta;
 */
export function readGolden(file: string): Golden {
  const buf = readFileOrThrow(file);
  if (buf.subarray(0, 2).toString('latin1') === 'PK' || path.extname(file).toLowerCase() === '.npz') return goldenFromNpz(buf, file);
  let obj: Record<string, unknown>;
  const text = buf.toString('utf8');
  checkJsonDepth(text, file);
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message.split('\n')[0]}); was the file cut short?`);
  }
  const meta = checkGoldenMeta(obj, file);
  const steps = meta.result.steps_run + 1,
    m = (obj.data as { Y?: unknown[] } | undefined)?.Y?.length ?? 0,
    k = meta.config.model.outputs;
  const get = (v: unknown, shape: number[], what: string) => fromNested(v, shape, `${file}: ${what}`);
  checkStepIndex(obj.t, meta, file);
  const params = (obj.params ?? {}) as Record<string, unknown>;
  const saves = checkSavedSteps(params.t, meta, file);
  const initObj = (obj.init ?? {}) as Record<string, unknown>,
    dataObj = (obj.data ?? {}) as Record<string, unknown>;
  const d = meta.config.model.inputDim;
  return checked(
    {
      meta,
      init: meta.param_names.map((n, i) => get(initObj[n], meta.param_shapes[i], `init.${n}`)),
      data: { X: get(dataObj.X, [m, d], 'data.X'), Y: get(dataObj.Y, [m, k], 'data.Y') },
      loss: get(obj.loss, [steps], 'loss').data,
      lambda: get(obj.lambda, [steps], 'lambda').data,
      paramNorm: get(obj.param_norm, [steps], 'param_norm').data,
      digits: obj.digits === undefined ? null : get(obj.digits, [steps], 'digits').data,
      ...sgdArrays(meta, (name, shape) => get(obj[name], shape, name)),
      f: get(obj.f, [steps, m, k], 'f'),
      params: { t: saves, values: meta.param_names.map((n, i) => get(params[n], [saves.length, ...meta.param_shapes[i]], `params.${n}`)) },
      source: file,
    },
    file,
  );
}

/** A golden as read: its arrays checked against the metadata, and its stored inputs against their SHA-256. */
function checked(g: Golden, file: string): Golden {
  checkGoldenArrays(g, file);
  if (sha256Tensors(g.init) !== g.meta.sha256.init)
    throw new Error(`${file}: its initial parameters (init) do not match its sha256.init; the file is corrupt`);
  if (sha256Tensors([g.data.X, g.data.Y]) !== g.meta.sha256.data)
    throw new Error(`${file}: its data (X, Y) do not match its sha256.data; the file is corrupt`);
  return g;
}

/** The minibatch rows and batch losses of an SGD file (null for full batch); checkGoldenArrays checks the rows. */
function sgdArrays(meta: GoldenMeta, get: (name: string, shape: number[]) => Tensor): Pick<Golden, 'batches' | 'batchLoss'> {
  const batch = meta.config.batch as number | undefined;
  if (batch === undefined) return { batches: null, batchLoss: null };
  const steps = meta.result.steps_run;
  return { batches: get('batches', [steps, batch]), batchLoss: get('batch_loss', [steps + 1]).data };
}

function goldenFromNpz(buf: Buffer, file: string): Golden {
  const a = parseNpz(buf, file);
  const metaBytes = a.get('meta');
  if (!metaBytes) throw new Error(`${file}: not a catapult golden file (no 'meta' array)`);
  let metaObj: unknown;
  const metaText = Buffer.from(metaBytes.data).toString('utf8');
  checkJsonDepth(metaText, `${file}: meta`);
  try {
    metaObj = JSON.parse(metaText);
  } catch {
    throw new Error(`${file}: the 'meta' array is not JSON text`);
  }
  const meta = checkGoldenMeta(metaObj, file);
  const steps = meta.result.steps_run + 1;
  const need = (name: string, shape?: readonly number[]): Tensor => {
    const t = a.get(name);
    if (!t) throw new Error(`${file}: missing array '${name}'`);
    if (shape && !sameShape(t.shape, shape))
      throw new Error(`${file}: array '${name}' has shape ${shapeString(t.shape)}, expected ${shapeString(shape)}`);
    return t;
  };
  const m = need('data_Y').shape[0];
  checkStepIndex(need('t', [steps]).data, meta, file);
  const saves = checkSavedSteps(Array.from(need('params_t').data), meta, file);
  return checked(
    {
      meta,
      init: meta.param_names.map((n, i) => need(`init_${n}`, meta.param_shapes[i])),
      data: { X: need('data_X', [m, meta.config.model.inputDim]), Y: need('data_Y', [m, meta.config.model.outputs]) },
      loss: need('loss', [steps]).data,
      lambda: need('lambda', [steps]).data,
      paramNorm: need('param_norm', [steps]).data,
      digits: a.has('digits') ? need('digits', [steps]).data : null,
      ...sgdArrays(meta, need),
      f: need('f', [steps, m, meta.config.model.outputs]),
      params: { t: saves, values: meta.param_names.map((n, i) => need(`params_${n}`, [saves.length, ...meta.param_shapes[i]])) },
      source: file,
    },
    file,
  );
}
