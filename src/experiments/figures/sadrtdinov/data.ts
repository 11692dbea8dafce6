// Sadrtdinov et al.'s data: balanced train and test subsets, pooled and standardized, and the first rows the scale-invariance check uses.
import { Dataset, loadClassification, subset } from '../../../data';
import { poolImages, figureDataset } from '../common';
import type { SadrtdinovOptions } from './options';

/** The data, pooled and standardized as the options say. */
export function sadrtdinovData(o: Pick<SadrtdinovOptions, 'trainSize' | 'testSize' | 'pool' | 'seed' | 'dataset'>): {
  train: Dataset;
  test: Dataset;
  source: string;
} {
  const c = loadClassification(figureDataset(o), { trainSize: o.trainSize, testSize: o.testSize, seed: o.seed });
  const [train, test] = poolImages(c.train, c.test, o.pool);
  return { train, test, source: c.source };
}

export function firstRowsOf(data: Dataset, k: number): Dataset {
  return subset(
    data,
    Array.from({ length: Math.min(k, data.X.shape[0]) }, (_, i) => i),
  );
}
