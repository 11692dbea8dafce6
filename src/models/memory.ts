// Memory a run will claim, estimated from sizes alone, so an impossible run is refused before it allocates anything.
import { checkFits } from '../io/files';
import type { Model } from './model';

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
const parameterCount = (model: Model) => model.specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);

/**
 * An upper estimate of the bytes one training step with λ holds, for a model on m samples: parameters, tape, the
 * Lanczos basis, and the data (m rows of inputs and targets).
 *
 * @example
 * trainingBytes(makeModel({ kind: 'mlp', width: 16000, depth: 4, … }), 250); // ≈ 25 GB: refused on a 24 GiB machine
 */
export function trainingBytes(model: Model, m: number): number {
  const hidden =
    model.activationsPerSample ??
    model.specs.filter((s) => s.shape.length === 2 || model.config.kind !== 'mlp').reduce((a, s) => a + s.shape[0], 0);
  const outputs = m * model.config.outputs;
  const data = m * (model.config.inputDim + model.config.outputs);
  return (
    8 * (PER_PARAMETER * parameterCount(model) + PER_HIDDEN * m * hidden + LANCZOS_VECTORS * outputs + data) +
    PER_ARRAY * model.specs.length
  );
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
 * Refuses, with one line, a model whose training would not fit in memory (before its parameters are drawn).
 *
 * @example
 * checkTrainingFits(model, data.X.shape[0]); // Error: an mlp model of 7.70e+10 parameters on 16 samples would need 2.3e3 GiB, …
 */
export function checkTrainingFits(model: Model, m: number): void {
  const article = model.config.kind === 'mlp' ? 'an' : 'a';
  const arrays = model.specs.length > 1000 ? ` in ${model.specs.length} arrays` : '';
  checkFits(
    `${article} ${model.config.kind} model of ${parameterCount(model).toExponential(2)} parameters${arrays} on ${m} samples`,
    trainingBytes(model, m),
  );
}
