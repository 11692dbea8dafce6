// What the convolutional figures share: a cnn or WRN on (pooled) image subsets, with λ0 on a fixed subset, and SGD runs scored on the test set.
import { Dataset, firstRows, loadClassification, parseAugment } from '../../../../data';
import { TrainOptions, evaluate, makeModel, train } from '../../../../models';
import type { Parameterization } from '../../../../models';
import { Instance, figureDataset, poolImages } from '../../common';
import { checkTrainingFits, initParams, lambdaAt } from '../../../../models';

/** The network of a convolutional figure: a cnn spec, or WRN-depth-widen. */
export interface ConvNet {
  net: 'cnn' | 'wrn';
  /** cnn: the --arch spec. */
  arch: string;
  /** wrn: depth D = 6n + 4 and widening K. */
  depth: number;
  widen: number;
  param: Parameterization;
  sigmaW: number;
  sigmaB: number;
}

/** The data of a convolutional figure: balanced subsets, optionally k×k average-pooled (a 28×28 image becomes 14×14 at pool 2). */
export interface ConvData {
  trainSize: number;
  testSize: number;
  /** λ is measured on the first this-many training images. */
  lambdaSamples: number;
  pool: number;
  seed: number;
  dataset?: string;
}

export interface ConvInstance extends Instance {
  test: Dataset;
  source: string;
  inputShape: number[];
}

/** (C, H, W) of a data set's rows: 3×32×32 for CIFAR-10's 3072 values, otherwise one square channel. */
function imageShape(d: number): number[] {
  if (d === 3072) return [3, 32, 32];
  const side = Math.round(Math.sqrt(d));
  if (side * side !== d) throw new Error(`cannot view ${d} inputs as an image (a square, or 3×32×32)`);
  return [1, side, side];
}

/**
 * The figure's net on its data, seeded, with λ0 (Lanczos) on the first `lambdaSamples` training images.
 *
 * @example
 * const inst = convInstance({ net: 'wrn', depth: 10, widen: 1, … }, { trainSize: 250, testSize: 200, lambdaSamples: 64, pool: 2, seed: 0 });
 */
export function convInstance(n: ConvNet, o: ConvData): ConvInstance {
  const c = loadClassification(figureDataset(o), { trainSize: o.trainSize, testSize: o.testSize, seed: o.seed });
  // Pooling rescales to unit std over all pixels; a 3-channel image is pooled only at pool 1.
  const [train0, test0] = o.pool > 1 ? poolImages(c.train, c.test, o.pool) : [c.train, c.test];
  const inputShape = imageShape(train0.X.shape[1]);
  const model = makeModel({
    kind: n.net,
    arch: n.net === 'cnn' ? n.arch : undefined, // a wrn's options carry an empty --arch
    depth: n.depth,
    widen: n.widen,
    inputShape,
    inputDim: train0.X.shape[1],
    param: n.param,
    sigmaW: n.sigmaW,
    sigmaB: n.sigmaB,
    width: 1,
    act: 'relu',
    outputs: train0.Y.shape[1],
  });
  checkTrainingFits(model, train0.X.shape[0]);
  const init = initParams(model, o.seed);
  const lambdaData = firstRows(train0, o.lambdaSamples);
  return {
    model,
    data: train0,
    test: test0,
    init,
    lambdaNtk0: lambdaAt(model, init, lambdaData),
    lambdaData,
    source: c.source,
    inputShape,
  };
}

/** The network in words, for reports. */
export function describeNet(n: ConvNet): string {
  const par = `${n.param === 'ntk' ? 'NTK' : 'standard'} parameterization, σ_w = ${Number(n.sigmaW.toFixed(4))}, σ_b = ${n.sigmaB}`;
  return n.net === 'cnn'
    ? `CNN \`${n.arch}\` (3×3 filters, ${par})`
    : `WRN-${n.depth}-${n.widen} (pre-activation, batch norm with batch statistics, ${par})`;
}

/** SGD from the instance's initialization at η = c/λ0, then its test accuracy (null if it diverged). */
export function sgdAccuracy(
  inst: ConvInstance,
  c: number,
  o: Omit<Partial<TrainOptions>, 'augment'> & { batch: number; seed: number; augment?: string },
) {
  const { batch, seed, augment, ...rest } = o;
  const eta = c / inst.lambdaNtk0;
  const r = train(inst.model, inst.init, inst.data, {
    lr: eta,
    batch: batch,
    batchLossOnly: true,
    batchSeed: seed,
    eigEvery: 0,
    measureLambda: false,
    ...(augment ? { augment: parseAugment(augment), augmentSeed: seed } : {}),
    ...rest,
  });
  const accuracy = r.diverged ? null : evaluate(inst.model, r.params, inst.test).accuracy;
  return { eta, steps: r.records.length - 1, accuracy, diverged: r.diverged !== null, finalLoss: r.records[r.records.length - 1].loss };
}
