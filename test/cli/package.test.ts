// The packed package works as a library: `npm pack`, install into a scratch project, use it from JavaScript and TypeScript,
// and the native backend builds at first use where OpenBLAS is (one line where it is not).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';

const ROOT = path.resolve(__dirname, '../../..');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-pack-'));
const npm = (args: string[], cwd: string) =>
  spawnSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, encoding: 'utf8', timeout: 300_000 });

test('npm pack + npm install: require("catapult") from JS, and import with types from TS', () => {
  const pack = npm(['pack', '--ignore-scripts', '--pack-destination', dir, '--json'], ROOT);
  assert.is(pack.status, 0, pack.stderr);
  const tgz = path.join(dir, JSON.parse(pack.stdout)[0].filename);
  const files: string[] = JSON.parse(pack.stdout)[0].files.map((f: { path: string }) => f.path);
  for (const f of [
    'dist/src/index.js',
    'dist/src/index.d.ts',
    'dist/wasm/kernels-simd.wasm',
    'schema/catapult-golden.schema.json',
    'bin/catapult.js',
    // The native addon's sources and build step (npm runs no dependency's install script unapproved: it builds at first use).
    'scripts/build-native.js',
    'src/linalg/native/addon.c',
    'src/linalg/native/catapult_native.h',
  ]) {
    assert.ok(files.includes(f), `the package holds ${f}`);
  }
  assert.not.ok(
    files.some((f) => f.startsWith('dist/test/') || (f.startsWith('src/') && !/^src\/linalg\/native\/\w+\.[ch]$/.test(f))),
    'no tests, and no sources but the C of the native addon',
  );
  assert.not.ok(
    files.some((f) => f.endsWith('.node')),
    'no prebuilt addon (it is built for the machine)',
  );
  const app = path.join(dir, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true }));
  const install = npm(['install', '--prefer-offline', '--ignore-scripts', tgz], app);
  assert.is(install.status, 0, install.stderr);

  // JS: the warmup model's λ0 through the public API equals its closed form (|u|² + |v|²)/n.
  fs.writeFileSync(
    path.join(app, 'use.js'),
    `
    const c = require('catapult');
    const model = c.warmupModel(64);
    const init = c.initParams(model, 0);
    const lambda0 = c.lambdaAt(model, init, c.warmupData());
    const closed = init.reduce((a, t) => a + t.data.reduce((s, x) => s + x * x, 0), 0) / 64;
    const r = c.train(model, init, c.warmupData(), { lr: 1 / lambda0, steps: 5 });
    const b = c.backendInfo();
    console.log(JSON.stringify({ rel: Math.abs(lambda0 - closed) / closed, phase: r.phase, steps: r.records.length, version: c.VERSION, backend: b.name, nativeUnavailable: b.nativeUnavailable }));`,
  );
  // A fresh cache: the first kernel call builds the addon where gcc and OpenBLAS's headers are, or says in one line why not.
  // The installed package picks its own backend: the suite's second pass sets CATAPULT_BACKEND=wasm, which is not the user's.
  const { CATAPULT_BACKEND: _suiteBackend, ...inherited } = process.env;
  const use = (cache: string, env: NodeJS.ProcessEnv = {}) =>
    spawnSync(process.execPath, ['use.js'], { cwd: app, encoding: 'utf8', env: { ...inherited, CATAPULT_CACHE_DIR: cache, ...env } });
  const js = use(path.join(dir, 'cache'));
  assert.is(js.status, 0, js.stderr);
  const out = JSON.parse(js.stdout);
  const buildable = require(path.join(ROOT, 'scripts', 'build-native.js')).toolchain().why === undefined;
  assert.is(out.backend, buildable ? 'native' : 'wasm', js.stderr);
  assert.is(js.stderr.split('\n').filter(Boolean).length, 1, `one line on first use: ${js.stderr}`);
  assert.match(
    js.stderr,
    buildable
      ? /^catapult: native backend built on first use \(OpenBLAS /
      : /^catapult: running on wasm .*native OpenBLAS backend is absent: /,
  );
  const again = use(path.join(dir, 'cache'));
  assert.is(again.stderr, '', 'silent once built (or told)');
  assert.is(JSON.parse(again.stdout).backend, out.backend);

  // Without OpenBLAS: wasm, one line saying so and why (once), never a failure; backendInfo() says why too.
  for (const [run, lines] of [
    [1, 1],
    [2, 0],
  ]) {
    const none = use(path.join(dir, 'cache-none'), { CATAPULT_OPENBLAS_INCLUDE: path.join(dir, 'nowhere') });
    assert.is(none.status, 0, none.stderr);
    const info = JSON.parse(none.stdout);
    assert.is(info.backend, 'wasm');
    assert.match(info.nativeUnavailable, /^no OpenBLAS headers \(cblas\.h/);
    assert.is(none.stderr.split('\n').filter(Boolean).length, lines, `run ${run}: ${none.stderr}`);
    if (lines === 1)
      assert.match(
        none.stderr,
        /^catapult: running on wasm \(\w+, \d+ threads?\); the native OpenBLAS backend is absent: no OpenBLAS headers/,
      );
  }
  assert.ok(out.rel <= 1e-13, `λ0 against (|u|² + |v|²)/n: ${out.rel}`);
  assert.is(out.steps, 6);
  assert.match(out.version, /^catapult \d+\.\d+\.\d+$/);

  // TS: the declarations type-check a correct use and reject a wrong one.
  // A Node TypeScript project has @types/node (the API takes Buffers); the repo's copy stands in for the app's.
  const types = { typeRoots: [path.join(ROOT, 'node_modules', '@types')], types: ['node'] };
  const tsconfig = {
    compilerOptions: { strict: true, module: 'node16', moduleResolution: 'node16', target: 'ES2022', noEmit: true, ...types },
  };
  fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify(tsconfig));
  fs.writeFileSync(
    path.join(app, 'good.ts'),
    `import { TrainOptions, TrainResult, makeModel, readGolden, GoldenMeta } from 'catapult';
    const o: TrainOptions = { lr: 0.1, steps: 3, momentum: 0.5 };
    export const kind: string = makeModel({ kind: 'mlp', width: 4, depth: 1, act: 'tanh', param: 'ntk', sigmaW: 1, sigmaB: 0, outputs: 1, inputDim: 2 }).config.kind;
    export const use = (r: TrainResult, m: GoldenMeta) => [r.lambdaNtk0, r.phase, m.config.eta, o.steps, readGolden];`,
  );
  const good = spawnSync(process.execPath, [TSC, '-p', '.'], { cwd: app, encoding: 'utf8' });
  assert.is(good.status, 0, good.stdout + good.stderr);
  fs.writeFileSync(path.join(app, 'bad.ts'), `import { TrainOptions } from 'catapult';\nexport const o: TrainOptions = { lr: 'fast' };\n`);
  const bad = spawnSync(
    process.execPath,
    [
      TSC,
      '--noEmit',
      '--strict',
      '--module',
      'node16',
      '--moduleResolution',
      'node16',
      '--typeRoots',
      types.typeRoots[0],
      '--types',
      'node',
      'bad.ts',
    ],
    { cwd: app, encoding: 'utf8' },
  );
  assert.is(bad.status, 2, 'a wrong option type is a compile error');
  assert.match(bad.stdout, /Type 'string' is not assignable to type 'number'/);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
