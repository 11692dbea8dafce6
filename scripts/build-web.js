#!/usr/bin/env node
// Builds the explorer into a static folder (default dist/web): index.html, style.css and one bundle with the engine and its wasm kernels inside.
'use strict';
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');
const { builtinModules } = require('module');

const root = path.join(__dirname, '..');
const outDir = process.argv[2] ? path.resolve(process.argv[2]) : path.join(root, 'dist', 'web');
const wasmDir = path.join(root, 'dist', 'wasm');

// The page reaches only the engine's pure parts. Node's `os` becomes src/web/nodeOs.ts (thread count, memory size); the
// other Node modules (files, threads, the native addon) become a stub whose every property is a function that throws, so
// a browser path that touched one would say which. (esbuild's namespace import copies own properties only: the stub is
// an object whose prototype is the throwing proxy, and the copy keeps that prototype.)
const nodeBuiltins = new RegExp(`^(node:)?(${builtinModules.filter((m) => !m.startsWith('_')).join('|')})(/.*)?$`);
const nodeStub = {
  name: 'node-stub',
  setup(build) {
    build.onResolve({ filter: nodeBuiltins }, (a) => {
      const name = a.path.replace(/^node:/, '');
      return name === 'os' ? { path: path.join(root, 'src', 'web', 'nodeOs.ts') } : { path: name, namespace: 'node-stub' };
    });
    build.onLoad({ filter: /.*/, namespace: 'node-stub' }, (a) => ({
      contents: `const fail = (what) => () => { throw new Error('${a.path}.' + what + ' is not available in the browser'); };
module.exports = Object.create(new Proxy({}, { get: (_, k) => (typeof k === 'string' ? fail(k) : undefined) }));`,
      loader: 'js',
    }));
  },
};

// `import bytes from 'catapult-wasm:fma'`: the kernels scripts/build-wasm.js built, embedded, so nothing is fetched at run time.
const wasmKernels = {
  name: 'wasm-kernels',
  setup(build) {
    build.onResolve({ filter: /^catapult-wasm:/ }, (a) => {
      const file = path.join(wasmDir, `kernels-${a.path.slice('catapult-wasm:'.length)}.wasm`);
      if (!fs.existsSync(file)) throw new Error(`${file} is missing: run \`npm run build:wasm\` first`);
      return { path: file };
    });
  },
};

// version.ts reads the version from package.json by its path from dist/src/experiments/run; in the bundle that require gets
// the version alone (not the whole manifest).
const packageJson = {
  name: 'package-json',
  setup(build) {
    build.onResolve({ filter: /(^|\/)package\.json$/ }, () => ({ path: 'package.json', namespace: 'package-json' }));
    build.onLoad({ filter: /.*/, namespace: 'package-json' }, () => ({
      contents: JSON.stringify({ version: require(path.join(root, 'package.json')).version }),
      loader: 'json',
    }));
  },
};

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  await esbuild.build({
    entryPoints: [path.join(root, 'src', 'web', 'main.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    outfile: path.join(outDir, 'explorer.js'),
    loader: { '.wasm': 'binary' },
    plugins: [nodeStub, wasmKernels, packageJson],
    inject: [path.join(root, 'src', 'web', 'bufferStub.ts')],
    // The page has no environment: every process.env.X the engine reads (CATAPULT_DATASETS, …) is undefined there.
    define: { 'process.env.NODE_ENV': '"production"', 'process.env': '{}' },
    logLevel: 'warning',
  });
  for (const f of ['index.html', 'style.css']) fs.copyFileSync(path.join(root, 'src', 'web', f), path.join(outDir, f));
  const kb = (f) => Math.round(fs.statSync(path.join(outDir, f)).size / 1024);
  console.log(`catapult: explorer built in ${path.relative(root, outDir) || '.'} (explorer.js ${kb('explorer.js')} KiB)`);
}

main().catch((e) => {
  console.error(`catapult: build-web: ${e.message.split('\n')[0]}`);
  process.exit(1);
});
