// What a golden file's metadata must satisfy before anything is rerun: the published JSON Schema, and what a schema cannot say.
import * as fs from 'fs';
import Ajv, { ValidateFunction } from 'ajv';
import { AppliedModelConfig, ModelConfig, appliedModelConfig } from '../../models';
import { OptionDecl, checkSavedValue } from '../../options';
import { parseLr, lrReference, resolveLr } from '../run/lr';
import { SETUP_OPTIONS, SetupInput, SetupOptions, setupNotApplied } from '../run/setupOptions';
import { GOLDEN_SCHEMA, GOLDEN_SCHEMA_FILE, GOLDEN_SCHEMA_VERSION, GoldenMeta } from './goldenFormat';
import { describedModel } from './goldenModel';

/** schema/catapult-golden.schema.json, compiled once (ajv) on first use. */
let validator: ValidateFunction | null = null;

/** The published JSON Schema's verdict on the metadata, as one line naming the field. */
export function validateAgainstSchema(meta: GoldenMeta, file: string): void {
  validator ??= new Ajv({ allErrors: false, strict: true }).compile(JSON.parse(fs.readFileSync(GOLDEN_SCHEMA_FILE, 'utf8')));
  if (validator(meta)) return;
  const e = validator.errors![0];
  const field = e.instancePath.slice(1).replace(/\//g, '.') || 'the metadata';
  const allowed = Array.isArray(e.params.allowedValues) ? ` (${e.params.allowedValues.join(', ')})` : '';
  throw new Error(
    `${file}: golden field ${field} ${e.message}${allowed}; the file does not follow schema ${GOLDEN_SCHEMA} v${GOLDEN_SCHEMA_VERSION}`,
  );
}

const META_KEYS = ['schema', 'schema_version', 'engine', 'backend', 'config', 'param_names', 'param_shapes', 'sha256', 'result'] as const;

/**
 * The metadata of a golden file (the JSON form's arrays left out), checked: its schema name and version first, then
 * the published schema, then what a schema cannot say. Any failure is one line naming the file and the field.
 *
 * @example
 * const meta = checkGoldenMeta(JSON.parse(text), 'golden.json');
 */
export function checkGoldenMeta(meta: unknown, file: string): GoldenMeta {
  const m = meta as Partial<GoldenMeta> | null;
  if (m === null || typeof m !== 'object' || m.schema !== GOLDEN_SCHEMA)
    throw new Error(`${file}: not a catapult golden file (no "schema": "${GOLDEN_SCHEMA}")`);
  if (m.schema_version !== GOLDEN_SCHEMA_VERSION) {
    throw new Error(
      `${file}: golden schema version ${JSON.stringify(m.schema_version)} is not supported (this catapult reads version ${GOLDEN_SCHEMA_VERSION}); regenerate it with \`catapult oracle\``,
    );
  }
  for (const key of META_KEYS) if (m[key] === undefined) throw new Error(`${file}: golden file lacks the field '${key}'`);
  const only = Object.fromEntries(META_KEYS.map((k) => [k, m[k]])) as unknown as GoldenMeta;
  validateAgainstSchema(only, file);
  checkConsistency(only, file);
  checkSetup(only, file);
  checkLr(only, file);
  return only;
}

/**
 * What the schema cannot say: config.model holds exactly the fields that apply to its kind and describes a model with
 * the stored parameter names and shapes, and the run's length agrees with its config (so `check` never reruns more
 * steps than the file holds).
 */
export function checkConsistency(meta: GoldenMeta, file: string): void {
  const c = meta.config,
    r = meta.result;
  let model: ReturnType<typeof describedModel>;
  try {
    model = describedModel(c.model);
  } catch (e) {
    throw new Error(`${file}: config.model does not describe a model (${(e as Error).message})`);
  }
  const applied = appliedModelConfig(model.config, { initFromFile: 'file' in c.init });
  checkModelFields(c.model, applied, `${file}: golden field config.model`);
  const described = JSON.stringify(model.specs.map((s) => [s.name, s.shape])),
    stored = JSON.stringify(meta.param_names.map((n, i) => [n, meta.param_shapes[i]]));
  if (described !== stored)
    throw new Error(`${file}: param_names/param_shapes ${stored.slice(0, 80)} are not those of config.model (${described.slice(0, 80)})`);
  const steps = c.steps as number;
  const expected = r.diverged ? r.diverged.step : steps;
  if (r.steps_run !== expected || r.steps_run > steps) {
    throw new Error(
      `${file}: result.steps_run ${r.steps_run} disagrees with config.steps ${steps}${r.diverged ? ` and result.diverged.step ${r.diverged.step}` : ''}`,
    );
  }
}

/**
 * The recorded model config holds exactly the applied fields, each with the applied value; a quadratic model's `base`
 * field by field, so the message names the base's field.
 */
function checkModelFields(recorded: AppliedModelConfig, applied: AppliedModelConfig, at: string): void {
  const got = recorded as Record<string, unknown>,
    want = applied as Record<string, unknown>;
  for (const key of new Set([...Object.keys(got), ...Object.keys(want)])) {
    if (!(key in want)) throw new Error(`${at}.${key} does not apply to ${notModelled(recorded, key)}`);
    if (!(key in got)) throw new Error(`${at}.${key} is missing (the ${recorded.kind} model needs it)`);
    if (key === 'base' && recorded.base !== undefined && applied.base !== undefined)
      checkModelFields(recorded.base, applied.base, `${at}.base`);
    else if (JSON.stringify(got[key]) !== JSON.stringify(want[key]))
      throw new Error(`${at}.${key} is ${JSON.stringify(got[key])}, but the model the config describes has ${JSON.stringify(want[key])}`);
  }
}

/** What a model field that does not apply is not part of: the kind, or (σ's) an initialization that drew nothing. */
function notModelled(m: AppliedModelConfig, key: string): string {
  if (key.toLowerCase().includes('sigma') && m.param !== 'ntk' && m.param !== undefined)
    return `a ${m.param} model initialized from config.init.file (its σ's set only the std of a draw)`;
  return `the ${m.kind} model`;
}

/** Setup fields that must agree with config.model where both have them. */
const SHARED: readonly (keyof SetupOptions & keyof ModelConfig)[] = [
  'width',
  'depth',
  'act',
  'param',
  'sigmaW',
  'sigmaB',
  'readoutSigmaW',
  'bias',
  'norm',
  'arch',
  'inputShape',
  'widen',
  'mupBase',
  'outputs',
  'loss',
  'inputDim',
];

/**
 * config.setup holds only setup options that apply to the run, each a value its option takes (read back through the
 * option's own parser and check), agreeing with config.model and config.init.
 */
function checkSetup(meta: GoldenMeta, file: string): void {
  const so = meta.config.setup as SetupInput & Record<string, unknown>,
    model = meta.config.model,
    init = meta.config.init;
  const at = (key: string) => `${file}: golden field config.setup.${key}`;
  for (const [key, value] of Object.entries(so)) {
    const d = (SETUP_OPTIONS as Record<string, OptionDecl<unknown>>)[key];
    if (d === undefined) throw new Error(`${at(key)} is not a setup option (see \`catapult oracle --help\`)`);
    try {
      checkSavedValue(d, value);
    } catch (e) {
      throw new Error(`${at(key)}: ${(e as Error).message}`);
    }
  }
  if (so.model !== model.kind) throw new Error(`${at('model')} ${so.model} disagrees with config.model.kind ${model.kind}`);
  // A quadratic model's options are its base's (--model quadratic --base mlp --width 16): compared with config.model.base.
  const own = (model.kind === 'quadratic' ? model.base : model) as Partial<ModelConfig> & Record<string, unknown>;
  const where = model.kind === 'quadratic' ? 'config.model.base' : 'config.model';
  if (model.kind === 'quadratic' && so.base !== own.kind)
    throw new Error(
      `${at('base')} ${so.base === undefined ? 'is missing' : `${so.base} disagrees`} (config.model.base.kind is ${own.kind})`,
    );
  for (const key of Object.keys(so) as (keyof SetupOptions)[]) {
    const why = setupNotApplied(so, key);
    if (why !== null) throw new Error(`${at(key)} does not apply to this run (${why})`);
  }
  for (const key of SHARED) {
    if (so[key] !== undefined && own[key] !== undefined && JSON.stringify(so[key]) !== JSON.stringify(own[key]))
      throw new Error(`${at(key)} ${JSON.stringify(so[key])} disagrees with ${where}.${key} ${JSON.stringify(own[key])}`);
  }
  const given = 'file' in init ? so.init : (so.seed ?? 0);
  if (('file' in init ? init.file : init.seed) !== given || ('rng' in init && so.init !== undefined))
    throw new Error(`${file}: golden field config.init ${JSON.stringify(init)} disagrees with config.setup's --init/--seed`);
}

/**
 * config.lr is a learning rate, lr_reference the one its loss uses, hessian0 set exactly where it fixed η, and
 * config.eta is config.lr resolved against the recorded curvature (bit for bit, as the oracle computed it).
 */
function checkLr(meta: GoldenMeta, file: string): void {
  const c = meta.config;
  const at = (key: string) => `${file}: golden field config.${key}`;
  let spec: ReturnType<typeof parseLr>;
  try {
    spec = parseLr(c.lr);
  } catch {
    throw new Error(`${at('lr')} ${JSON.stringify(c.lr)} is not a learning rate (η > 0, or Cx for C·2/λ0)`);
  }
  const loss = c.model.loss ?? 'mse';
  const reference = lrReference(loss);
  if (c.lr_reference !== reference)
    throw new Error(`${at('lr_reference')} is ${JSON.stringify(c.lr_reference)}; the ${loss} loss gives "${reference}"`);
  const measured = reference === 'hessian' && spec.unit === 'crit';
  const h = c.hessian0;
  if (measured ? !(typeof h === 'number' && h > 0) : h !== null)
    throw new Error(
      `${at('hessian0')} is ${JSON.stringify(h)}; ${measured ? 'a positive number (it sets η)' : 'null (it did not set η)'} expected`,
    );
  const curvature = measured ? (h as number) : c.lambda0;
  const eta = resolveLr(spec, curvature);
  if (eta !== c.eta)
    throw new Error(`${at('eta')} ${c.eta} is not config.lr ${c.lr} resolved against config.${measured ? 'hessian0' : 'lambda0'} (${eta})`);
}
