// The data sets: the Dataset type and .npz data, MNIST / Fashion-MNIST / CIFAR-10 pools, balanced classification subsets, Chebyshev regression points, minibatches and augmentation.
export * from './dataset';
export * from './datasets';
export { CIFAR_RECORD, CIFAR_TEST_FILE, CIFAR_TRAIN_FILES, cifar10Pools } from './cifar';
export * from './augment';
export * from './batches';
export { CHEBYSHEV_TARGET, chebyshevData } from './chebyshev';
export { teacherAgop, teacherNetwork } from './teacher';
export type { TeacherNetwork } from './teacher';
