// File formats: numpy's .npy/.npz, IDX (MNIST), CSV/JSON results, and the shared read/write helpers.
export * from './files';
export * from './npy';
export * from './npz';
export * from './idx';
export * from './output';
export * from './digest';
