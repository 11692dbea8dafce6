// The models layer: architectures, data sets and gradient-descent training.
export * from './model';
export * from './layers';
export * from './data';
export * from './datasets';
export { CIFAR_RECORD, CIFAR_TEST_FILE, CIFAR_TRAIN_FILES, cifar10Pools } from './cifar';
export * from './optionKit';
export * from './trainOptions';
export * from './augment';
export * from './forward';
export * from './batches';
export * from './spectra';
export * from './phase';
export * from './train';
export * from './memory';
export * from './evaluate';
export * from './linearized';
export * from './loss';
