// Random streams: numpy's legacy RandomState (initializations, data, minibatch order) and mulberry32 (Lanczos, tests).
export * from './randomState';
export * from './mulberry32';
