// Projected minibatch SGD on the sphere for Sadrtdinov et al.'s net, with the weight average over the last epochs that SWA takes.
import { Tensor, copyF64, tensor } from '../../../linalg/tensor';
import { RandomState } from '../../../random/randomState';
import { freeF64 } from '../../../linalg/backend';
import { kernels } from '../../../linalg/kernels';
import { vjp } from '../../../autodiff';
import { Dataset, subset } from '../../../data';
import { Model, forwardPass } from '../../../models';
import { projectOntoSphere, trainableIndices } from './model';

interface SphereSgdResult {
  params: Tensor[];
  /** Mean minibatch loss per epoch. */
  epochLoss: number[];
  /** Average of the weights after every step of the last `averageEpochs` epochs, projected back onto the sphere (null when 0). */
  average: Tensor[] | null;
}

/**
 * Projected SGD: θ ← Π(θ − η∇L_batch) on the trainable weights (Π rescales them jointly to `radius`), the last layer
 * untouched. Each epoch is a fresh numpy-compatible `RandomState(seed).permutation(m)` cut into full batches.
 */
export function sphereSgd(
  model: Model,
  init: readonly Tensor[],
  data: Dataset,
  o: { lr: number; epochs: number; batchSize: number; seed: number; radius: number; averageEpochs?: number },
): SphereSgdResult {
  const m = data.X.shape[0],
    perEpoch = Math.floor(m / o.batchSize),
    which = trainableIndices(model);
  if (perEpoch < 1) throw new Error(`batch size ${o.batchSize} exceeds the ${m} training rows`);
  const params = init.map((p) => tensor(p.shape, copyF64(p.data)));
  const averageFrom = o.epochs - (o.averageEpochs ?? 0);
  const sum = o.averageEpochs ? init.map((p) => new Float64Array(p.data.length)) : null;
  const rng = new RandomState(o.seed),
    epochLoss: number[] = [];
  let averaged = 0;
  for (let e = 0; e < o.epochs; e++) {
    const order = rng.permutation(m);
    let total = 0;
    for (let b = 0; b < perEpoch; b++) {
      total += sgdStep(model, params, subset(data, order.subarray(b * o.batchSize, (b + 1) * o.batchSize)), o.lr, which);
      projectOntoSphere(params, which, o.radius);
      if (sum && e >= averageFrom) {
        params.forEach((p, i) => kernels.daxpy(p.data.length, 1, p.data, 1, 0, sum[i], 1, 0));
        averaged++;
      }
    }
    epochLoss.push(total / perEpoch);
  }
  const kept = params.map((p) => tensor(p.shape, p.data.slice()));
  params.forEach((p) => freeF64(p.data));
  let average: Tensor[] | null = null;
  if (sum) {
    average = sum.map((s, i) =>
      tensor(
        init[i].shape,
        s.map((v) => v / averaged),
      ),
    );
    projectOntoSphere(average, which, o.radius);
  }
  return { params: kept, epochLoss, average };
}

/** One plain SGD step on the parameters `which`; returns the batch loss before the step. */
function sgdStep(model: Model, params: readonly Tensor[], batch: Dataset, lr: number, which: readonly number[]): number {
  const { tape, loss } = forwardPass(model, params, batch);
  try {
    const grads = vjp(loss, Float64Array.of(1));
    for (const i of which) kernels.daxpy(params[i].data.length, -lr, grads[i], 1, 0, params[i].data, 1, 0);
    grads.forEach((g) => freeF64(g));
    return loss.value.data[0];
  } finally {
    tape.dispose();
  }
}
