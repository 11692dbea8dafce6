// The embedded wasm kernels (scripts/build-web.js resolves these to dist/wasm's files, as bytes).
declare module 'catapult-wasm:fma' {
  const bytes: Uint8Array;
  export default bytes;
}
declare module 'catapult-wasm:simd' {
  const bytes: Uint8Array;
  export default bytes;
}
