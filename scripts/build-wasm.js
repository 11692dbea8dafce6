#!/usr/bin/env node
// Builds the WebAssembly kernels from their AssemblyScript source: dist/wasm/kernels-{fma,simd}.wasm (deterministic).
'use strict';
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const source = path.join(root, 'src', 'linalg', 'wasm', 'assembly', 'kernels.ts');
const outDir = process.argv[2] ? path.resolve(process.argv[2]) : path.join(root, 'dist', 'wasm');
const asc = path.join(path.dirname(require.resolve('assemblyscript/package.json')), 'bin', 'asc.js');

// Shared imported memory up to the wasm32 limit, no runtime (the JS side owns allocation), no abort import.
const common = [
  '-O3',
  '--noAssert',
  '--runtime',
  'stub',
  '--importMemory',
  '--sharedMemory',
  '--initialMemory',
  '1',
  '--maximumMemory',
  '65536',
  '--noExportMemory',
  '--use',
  'abort=',
];
const flavors = { simd: 'simd,threads', fma: 'simd,threads,relaxed-simd' };

fs.mkdirSync(outDir, { recursive: true });
for (const [name, features] of Object.entries(flavors)) {
  const out = path.join(outDir, `kernels-${name}.wasm`);
  execFileSync(process.execPath, [asc, source, '-o', out, '--enable', features, ...common], { stdio: 'inherit' });
}
