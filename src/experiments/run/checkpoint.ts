// A run's checkpoint, --out/checkpoint.npz: θ_t, the optimizer's arrays, the Lanczos warm starts and what the run was, in one atomic file.
import * as fs from 'fs';
import * as path from 'path';
import { Tensor, sameShape, shapeString, tensor } from '../../linalg/tensor';
import { backendInfo } from '../../linalg/backend';
import { NpzArchive, openNpzFile, serializeNpz } from '../../io/npz';
import { serializeNpyBytes } from '../../io/npy';
import { checkJsonDepth, writeFileAtomic } from '../../io/files';
import { exactJson } from '../../io/output';
import { sha256Tensors } from '../../io/digest';
import { flag, int } from '../../options';
import type { Model, TrainState, TrainTally } from '../../models';
import type { Setup } from './setup';
import { VERSION } from './version';

export const CHECKPOINT_FILE = 'checkpoint.npz';
const SCHEMA = 'catapult-checkpoint';
const SCHEMA_VERSION = 1;
/** The npz entry of the checkpoint's description (JSON text as uint8, as golden files keep their meta). */
const META = 'checkpoint';

export const CHECKPOINT_OPTIONS = {
  checkpointEvery: int({
    flag: 'checkpoint-every',
    arg: 'N',
    help: `every N steps, replace --out/${CHECKPOINT_FILE} (atomically) with the run's state, for --resume`,
    min: 1,
    onlyWhen: { option: 'precision', values: ['float64'] },
  }),
  resume: flag({
    flag: 'resume',
    help: `continue the run in --out from its ${CHECKPOINT_FILE}, bitwise as if it had not stopped (the same command plus --resume; --steps may grow)`,
    needs: 'checkpoint-every',
  }),
} as const;

/** What a run is, beyond its state: the options that feed its numbers (by flag) and SHA-256 of θ_0 and the data (sha256Tensors). */
export interface RunIdentity {
  options: Record<string, unknown>;
  inputs: { init: string; data: string };
}

/** The description inside the file. */
interface CheckpointMeta extends RunIdentity {
  schema: typeof SCHEMA;
  schema_version: number;
  engine: string;
  /** The kernels' flavor: another one rounds differently, so a resume on it is refused. */
  backend: string;
  step: number;
  eta: number;
  /** The tallies, non-finite values as 'nan', 'inf', '-inf' (JSON has none). */
  tally: Record<keyof TrainTally, number | string | null>;
  optimizer_slots: number;
}

/**
 * A run's identity from its options (by flag; only those that feed the numbers) and its setup.
 *
 * @example
 * const id = runIdentity({ model: 'mlp', lr: { unit: 'abs', value: 0.5 } }, s);
 */
export function runIdentity(options: Record<string, unknown>, s: Setup): RunIdentity {
  const data = [s.data.X, s.data.Y, ...(s.test ? [s.test.X, s.test.Y] : [])];
  return { options: JSON.parse(JSON.stringify(options)), inputs: { init: sha256Tensors(s.init), data: sha256Tensors(data) } };
}

/** Warm starts as their npz entries. */
const WARM = { lambdaVector: 'warm.lambda', hessianVector: 'warm.hessian', flowVector: 'warm.flow' } as const;
const optimizerEntry = (slot: number, name: string) => `optimizer.${slot}.${name}`;

const encode = (x: number | null) => (x === null || Number.isFinite(x) ? x : Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf');
const DECODE: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity };

/**
 * Replaces DIR/checkpoint.npz with this state in one rename, so a kill at any moment leaves the last whole one: θ_t
 * under the parameter names (numpy reads them like --save-params'), optimizer.K.NAME, warm.*, and the description.
 *
 * @example
 * writeCheckpoint('out/central', s.model, state, id);
 */
export function writeCheckpoint(dir: string, model: Model, state: TrainState, id: RunIdentity): void {
  const arrays = new Map<string, Tensor | Buffer>();
  model.specs.forEach((s, i) => arrays.set(s.name, tensor(s.shape, state.params[i])));
  const slots = state.optimizer[0]?.length ?? 0;
  for (let k = 0; k < slots; k++)
    model.specs.forEach((s, i) => arrays.set(optimizerEntry(k, s.name), tensor(s.shape, state.optimizer[i][k])));
  for (const [key, entry] of Object.entries(WARM)) {
    const v = state[key as keyof typeof WARM];
    if (v !== undefined) arrays.set(entry, tensor([v.length], v));
  }
  const tally = Object.fromEntries(Object.entries(state.tally).map(([k, v]) => [k, encode(v)])) as CheckpointMeta['tally'];
  const meta: CheckpointMeta = {
    schema: SCHEMA,
    schema_version: SCHEMA_VERSION,
    engine: VERSION,
    backend: backendInfo().flavor,
    step: state.step,
    eta: state.lr,
    ...id,
    tally,
    optimizer_slots: slots,
  };
  arrays.set(META, serializeNpyBytes(Buffer.from(exactJson(meta), 'utf8')));
  writeFileAtomic(path.join(dir, CHECKPOINT_FILE), serializeNpz(arrays));
}

/**
 * Removes the temp files of checkpoints a kill cut short in DIR, and with `fresh` its checkpoint too: a fresh run
 * must not leave another run's checkpoint to resume from.
 *
 * @example
 * clearCheckpoint('out/central', { fresh: !resume });
 */
export function clearCheckpoint(dir: string, { fresh }: { fresh: boolean }): void {
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const temp = f.startsWith(`${CHECKPOINT_FILE}.`) && f.endsWith('.tmp');
    if (temp || (fresh && f === CHECKPOINT_FILE)) fs.rmSync(path.join(dir, f), { force: true });
  }
}

/** What a resumed run must match besides its identity: its optimizer's slots, the outputs λ is measured on, its steps. */
export interface ResumeShape {
  slots: number;
  outputs: number;
  /** The run's steps where the options fix them (not with --decay-at at a relative η). */
  steps?: number;
}

/**
 * DIR/checkpoint.npz as the state to resume from, after checking that it is a whole checkpoint of this very run:
 * the same engine, kernels, options and inputs; arrays of the model's shapes, finite. Every refusal is one line naming
 * the file, or the option that differs.
 *
 * @example
 * const state = readCheckpoint('out/central', s.model, id, { slots: 0, outputs: 20 });
 */
export function readCheckpoint(dir: string, model: Model, id: RunIdentity, shape: ResumeShape): TrainState {
  const file = path.join(dir, CHECKPOINT_FILE);
  if (!fs.existsSync(file))
    throw new Error(`${file}: no such file; --resume continues a run that wrote checkpoints into this --out (--checkpoint-every)`);
  const archive = openNpzFile(file);
  const meta = readMeta(archive, file);
  checkSameRun(meta, id, file);
  if (shape.steps !== undefined && meta.step > shape.steps)
    throw new Error(`--resume: ${file} is at step ${meta.step}, past --steps ${shape.steps}`);
  if (meta.optimizer_slots !== shape.slots)
    throw new Error(`${file}: holds ${meta.optimizer_slots} optimizer arrays per parameter, the run keeps ${shape.slots}`);
  const P = model.specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  const wanted = new Map<string, readonly number[]>(model.specs.map((s) => [s.name, s.shape]));
  for (let k = 0; k < shape.slots; k++) model.specs.forEach((s) => wanted.set(optimizerEntry(k, s.name), s.shape));
  const warmLength = { lambdaVector: shape.outputs, hessianVector: P, flowVector: P };
  for (const [key, entry] of Object.entries(WARM))
    if (archive.names.includes(entry)) wanted.set(entry, [warmLength[key as keyof typeof WARM]]);
  for (const [name, s] of wanted) {
    const found = archive.shape(name);
    if (found === undefined) throw new Error(`${file}: missing array '${name}' (expected shape ${shapeString(s)})`);
    if (!sameShape(found, s)) throw new Error(`${file}: array '${name}' has shape ${shapeString(found)}, expected ${shapeString(s)}`);
  }
  const arrays = archive.read([...wanted.keys()]);
  for (const [name, t] of arrays)
    if (!t.data.every(Number.isFinite)) throw new Error(`${file}: array '${name}' contains NaN or infinite values`);
  const get = (name: string) => arrays.get(name)?.data;
  return {
    step: meta.step,
    lr: meta.eta,
    params: model.specs.map((s) => get(s.name)!),
    optimizer: model.specs.map((s) => Array.from({ length: shape.slots }, (_, k) => get(optimizerEntry(k, s.name))!)),
    lambdaVector: get(WARM.lambdaVector),
    hessianVector: get(WARM.hessianVector),
    flowVector: get(WARM.flowVector),
    tally: decodeTally(meta.tally, file),
  };
}

/** The description, checked field by field (a hand-edited or foreign file is one line naming it). */
function readMeta(archive: NpzArchive, file: string): CheckpointMeta {
  if (!archive.names.includes(META)) throw new Error(`${file}: not a catapult checkpoint (no '${META}' array)`);
  const text = Buffer.from(archive.read([META]).get(META)!.data).toString('utf8');
  checkJsonDepth(text, `${file}: ${META}`);
  let m: Partial<CheckpointMeta>;
  try {
    m = JSON.parse(text);
  } catch {
    throw new Error(`${file}: the '${META}' array is not JSON text`);
  }
  if (m === null || typeof m !== 'object' || m.schema !== SCHEMA) throw new Error(`${file}: not a catapult checkpoint`);
  if (m.schema_version !== SCHEMA_VERSION)
    throw new Error(
      `${file}: checkpoint version ${JSON.stringify(m.schema_version)} is not supported (this catapult reads ${SCHEMA_VERSION})`,
    );
  const bad = (
    [
      ['step', Number.isInteger(m.step) && m.step! >= 1],
      ['eta', typeof m.eta === 'number' && Number.isFinite(m.eta) && m.eta > 0],
      ['engine', typeof m.engine === 'string'],
      ['backend', typeof m.backend === 'string'],
      ['options', m.options !== null && typeof m.options === 'object' && !Array.isArray(m.options)],
      ['inputs', typeof m.inputs?.init === 'string' && typeof m.inputs?.data === 'string'],
      ['tally', m.tally !== null && typeof m.tally === 'object'],
      ['optimizer_slots', Number.isInteger(m.optimizer_slots) && m.optimizer_slots! >= 0],
    ] as const
  ).find(([, ok]) => !ok);
  if (bad !== undefined) throw new Error(`${file}: the checkpoint's ${bad[0]} is missing or malformed`);
  return m as CheckpointMeta;
}

/** Refuses a checkpoint of another run: another engine or kernels, an option that differs (named), other θ_0 or data. */
function checkSameRun(meta: CheckpointMeta, id: RunIdentity, file: string): void {
  if (meta.engine !== VERSION)
    throw new Error(`--resume: ${file} was written by catapult ${meta.engine}, this is ${VERSION}; its numbers would not continue bitwise`);
  const flavor = backendInfo().flavor;
  if (meta.backend !== flavor)
    throw new Error(
      `--resume: ${file} was made on the ${meta.backend} kernels, this run has ${flavor} (--backend); they round differently`,
    );
  const flags = [...new Set([...Object.keys(id.options), ...Object.keys(meta.options)])];
  const differs = flags.find((f) => JSON.stringify(id.options[f]) !== JSON.stringify(meta.options[f]));
  if (differs !== undefined) {
    const show = (v: unknown) => (v === undefined ? 'not given' : JSON.stringify(v));
    throw new Error(
      `--resume: --${differs} is ${show(id.options[differs])} here but ${show(meta.options[differs])} in ${file}; resume with the options the checkpoint was made with`,
    );
  }
  if (meta.inputs.init !== id.inputs.init)
    throw new Error(`--resume: the initial parameters are not those ${file} was made from (the --init file changed?)`);
  if (meta.inputs.data !== id.inputs.data)
    throw new Error(`--resume: the data are not those ${file} was made on (the --data or --dataset files changed?)`);
}

function decodeTally(t: CheckpointMeta['tally'], file: string): TrainTally {
  const keys: (keyof TrainTally)[] = [
    'lambdaNtk0',
    'loss0',
    'peakLoss',
    'convergedAt',
    'finalLambda',
    'lambdaHessian0',
    'finalHessian',
    'flowSharpness',
  ];
  const nullable = new Set<keyof TrainTally>(['convergedAt', 'finalLambda', 'finalHessian', 'flowSharpness']);
  return Object.fromEntries(
    keys.map((k) => {
      const v = t[k];
      if (typeof v === 'number' || (v === null && nullable.has(k))) return [k, v];
      if (typeof v === 'string' && Object.prototype.hasOwnProperty.call(DECODE, v)) return [k, DECODE[v]];
      throw new Error(`${file}: the checkpoint's tally.${k} is missing or malformed`);
    }),
  ) as unknown as TrainTally;
}
