// Memory a run will claim, estimated from sizes alone, so an impossible run is refused before it allocates anything.
import { checkFits } from '../io/files';
import { Model, ModelConfig, mlpCounts } from './model';

/** Doubles a hidden value costs on the tape at once: its value, cotangent and tangent, and the activation's. */
const PER_HIDDEN = 6;
/** The caller's θ_0, the optimizer's θ_t, the gradient, and the JVP/VJP temporaries of a Lanczos matvec. */
const PER_PARAMETER = 4;
/** The Lanczos basis for λ keeps at most this many vectors of the outputs' size. */
const LANCZOS_VECTORS = 300;
/**
 * Bytes each parameter array costs on the tape beyond its numbers: its layer's nodes, closures and tensor headers
 * (measured 5.4–7 KiB per array for mlps of width 1 and depth 10⁴–10⁵), so a very deep, narrow net is counted too.
 */
const PER_ARRAY = 8 * 1024;

/** What the memory estimate needs of a model: its parameters and their arrays, hidden values per sample, inputs and outputs. */
export interface ModelSize {
  kind: string;
  parameters: number;
  arrays: number;
  hidden: number;
  inputDim: number;
  outputs: number;
}

/**
 * A built model's size.
 *
 * @example
 * modelSize(warmupModel(1000)); // { kind: 'warmup', parameters: 2000, arrays: 2, hidden: 2000, inputDim: 1, outputs: 1 }
 */
export function modelSize(model: Model): ModelSize {
  const hidden =
    model.activationsPerSample ??
    model.specs.filter((s) => s.shape.length === 2 || model.config.kind !== 'mlp').reduce((a, s) => a + s.shape[0], 0);
  return {
    kind: model.config.kind,
    parameters: model.specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0),
    arrays: model.specs.length,
    hidden,
    inputDim: model.config.inputDim,
    outputs: model.config.outputs,
  };
}

/**
 * An mlp's size from its configuration alone, so that a run is refused before its specs are built (a million layers'
 * specs alone are hundreds of megabytes).
 *
 * @example
 * mlpSize({ width: 4, depth: 1e6, inputDim: 8, outputs: 1 }).arrays; // 2000002
 */
export function mlpSize(c: Pick<ModelConfig, 'width' | 'depth' | 'inputDim' | 'outputs' | 'bias'>): ModelSize {
  return { kind: 'mlp', ...mlpCounts(c), hidden: c.depth * c.width + c.outputs, inputDim: c.inputDim, outputs: c.outputs };
}

const sizeOf = (model: Model | ModelSize): ModelSize => ('specs' in model ? modelSize(model) : model);

/**
 * An upper estimate of the bytes one training step with λ holds, for a model on m samples: parameters, tape, the
 * Lanczos basis, and the data (m rows of inputs and targets).
 *
 * @example
 * trainingBytes(makeModel({ kind: 'mlp', width: 16000, depth: 4, … }), 250); // ≈ 25 GB: refused on a 24 GiB machine
 */
export function trainingBytes(model: Model | ModelSize, m: number): number {
  const s = sizeOf(model);
  const data = m * (s.inputDim + s.outputs);
  return 8 * (PER_PARAMETER * s.parameters + PER_HIDDEN * m * s.hidden + LANCZOS_VECTORS * m * s.outputs + data) + PER_ARRAY * s.arrays;
}

/** Bytes one trajectory record holds: its numbers, and the outputs and θ_t where the run keeps them. */
const RECORD_BYTES = 160;

/**
 * Refuses a run whose trajectory records (kept in memory until the run ends) would not fit: `--steps 1e12`.
 *
 * @example
 * checkRecordsFit(1e12, 0); // Error: a trajectory of 1e12 steps would need 149011.6 GiB, over the memory limit …
 */
export function checkRecordsFit(steps: number, bytesPerStep: number): void {
  checkFits(`a trajectory of ${steps} steps`, (steps + 1) * (RECORD_BYTES + bytesPerStep));
}

/**
 * Refuses, with one line, a model whose training would not fit in memory (before its parameters are drawn; for an
 * mlp, given its {@link mlpSize}, before it is built).
 *
 * @example
 * checkTrainingFits(model, data.X.shape[0]); // Error: an mlp model of 7.70e+10 parameters on 16 samples would need 2.3e3 GiB, …
 */
export function checkTrainingFits(model: Model | ModelSize, m: number): void {
  const s = sizeOf(model);
  const article = s.kind === 'mlp' ? 'an' : 'a';
  const arrays = s.arrays > 1000 ? ` in ${s.arrays} arrays` : '';
  checkFits(`${article} ${s.kind} model of ${s.parameters.toExponential(2)} parameters${arrays} on ${m} samples`, trainingBytes(s, m));
}
