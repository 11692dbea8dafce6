// What a golden file must satisfy before anything is rerun: the published JSON Schema, and what a schema cannot say.
import * as fs from 'fs';
import Ajv, { ValidateFunction } from 'ajv';
import type { Tensor } from '../../linalg/tensor';
import { makeModel } from '../../models';
import { GOLDEN_SCHEMA, GOLDEN_SCHEMA_FILE, GOLDEN_SCHEMA_VERSION, GoldenMeta } from './goldenFormat';

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

/**
 * What the schema cannot say: the model the config describes has exactly the stored parameter names and shapes,
 * and the run's length agrees with its config (so `check` never reruns more steps than the file holds).
 */
export function checkConsistency(meta: GoldenMeta, file: string): void {
  const c = meta.config,
    r = meta.result;
  let specs: readonly { name: string; shape: number[] }[];
  try {
    specs = makeModel(c.model).specs;
  } catch (e) {
    throw new Error(`${file}: config.model does not describe a model (${(e as Error).message})`);
  }
  const described = JSON.stringify(specs.map((s) => [s.name, s.shape])),
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

/** The saved steps of θ_t must be exactly t = 0, K, 2K, … ≤ steps_run (K = params_every), or none when K = 0. */
export function checkSavedSteps(saves: readonly number[], meta: GoldenMeta, file: string): void {
  const K = meta.config.params_every as number;
  const want = K === 0 ? [] : Array.from({ length: Math.floor(meta.result.steps_run / K) + 1 }, (_, i) => i * K);
  if (saves.length !== want.length || saves.some((t, i) => t !== want[i])) {
    throw new Error(
      `${file}: params.t ${JSON.stringify(saves.slice(0, 8))} is not the steps 0, ${K}, 2·${K}, … ≤ ${meta.result.steps_run} that config.params_every = ${K} gives`,
    );
  }
}

/** Every entry of `batches` is a row of the m training rows (an integer in [0, m)): one line naming the first that is not. */
export function checkBatches(batches: Tensor, m: number, file: string): Tensor {
  const B = batches.shape[1];
  const bad = batches.data.findIndex((x) => !(Number.isInteger(x) && x >= 0 && x < m));
  if (bad >= 0) {
    const at = `batches[${Math.floor(bad / B)}][${bad % B}]`;
    throw new Error(`${file}: golden field ${at} is ${batches.data[bad]}, not one of the ${m} training rows (0 … ${m - 1})`);
  }
  return batches;
}
