// The op constructors as one namespace (`ops` in the library): one per primitive plus the composites built from them.
export * from './basicOps';
export * from './convOps';
