// Haas et al.'s data (a pooled balanced classification subset), their SP ReLU MLP, and the constant predictor's loss that stability is judged by.
import { Dataset, loadClassification } from '../../../data';
import { LossKind, Model, makeModel } from '../../../models';
import { poolImages, figureDataset } from '../common';
import type { HaasOptions } from './options';

/** The loss of the best constant prediction on balanced one-hot data with k classes: the yardstick of "learned something". */
export function constantLoss(loss: LossKind, k: number): number {
  return loss === 'ce' ? Math.log(k) : (0.5 * (1 - 1 / k)) / k;
}

export function haasModel(width: number, loss: LossKind, data: Dataset): Model {
  return makeModel({
    kind: 'mlp',
    width,
    depth: 2,
    act: 'relu',
    param: 'standard',
    sigmaW: Math.SQRT2,
    readoutSigmaW: 1,
    sigmaB: 0,
    outputs: data.Y.shape[1],
    inputDim: data.X.shape[1],
    loss,
  });
}

export function haasData(o: HaasOptions): { train: Dataset; source: string } {
  const c = loadClassification(figureDataset(o), { trainSize: o.trainSize, testSize: 0, seed: 0 });
  const [train] = poolImages(c.train, c.test, o.pool);
  return { train, source: train.source };
}
