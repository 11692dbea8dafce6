#!/usr/bin/env node
// Builds the optional native backend (N-API addon over the system OpenBLAS) with plain gcc; prints one line, never fails the install.
//
//   node scripts/build-native.js [outDir]     → outDir/catapult_native.node (default dist/native)
//
// Environment: CC (default gcc), CATAPULT_NODE_INCLUDE / CATAPULT_OPENBLAS_INCLUDE (header directories, searched
// in the usual Debian places otherwise), CATAPULT_NATIVE=0 to skip. A missing compiler or header, or a failed
// compile, removes any stale addon and leaves the engine on wasm.
//
// The package ships this script and the C sources but no addon (npm runs no install script of a dependency until the
// user approves it): an installed catapult requires this file at its first kernel call and builds the addon into a
// cache directory (CATAPULT_CACHE_DIR, else $XDG_CACHE_HOME/catapult or ~/.cache/catapult), keyed by a hash of the
// sources, this script and Node's ABI (src/linalg/native/kernels.ts).
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const root = path.join(__dirname, '..');
const sourceDir = path.join(root, 'src', 'linalg', 'native');
// Every .c file of the folder (they share catapult_native.h), in a fixed sorted order, compiled and linked in one gcc call.
const files = (ext) =>
  fs.existsSync(sourceDir)
    ? fs
        .readdirSync(sourceDir)
        .filter((f) => f.endsWith(ext))
        .sort()
        .map((f) => path.join(sourceDir, f))
    : [];
const sources = files('.c');
const cc = process.env.CC || 'gcc';

/** What an addon is built from: the C sources and headers, this script, and the Node ABI and platform it is built for. */
function nativeKey() {
  const h = crypto.createHash('sha256');
  for (const f of [...files('.c'), ...files('.h'), __filename]) h.update(`${path.basename(f)}\0`).update(fs.readFileSync(f));
  h.update(`${process.versions.modules}|${process.platform}|${process.arch}`);
  return h.digest('hex').slice(0, 16);
}

/** The cache folder of the addon these sources build for this Node: where an installed package builds it on first use. */
function nativeCacheDir() {
  const base = process.env.CATAPULT_CACHE_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'catapult');
  return path.join(base, `native-${nativeKey()}`);
}

/** The first directory holding `file` (an explicit override is the only candidate when set). */
function findInclude(override, candidates, file) {
  const dirs = override ? [override] : candidates;
  return dirs.find((d) => fs.existsSync(path.join(d, file))) ?? null;
}

/** The compiler's multiarch triplet (x86_64-linux-gnu on Debian amd64), where Debian puts OpenBLAS's headers. */
function multiarch() {
  const r = spawnSync(cc, ['-print-multiarch'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

/** The compiler and header folders the build needs, or why it cannot run (quick: no compile). */
function toolchain() {
  if (process.env.CATAPULT_NATIVE === '0') return { why: 'CATAPULT_NATIVE=0' };
  if (sources.length === 0) return { why: `no C sources in ${sourceDir}` };
  if (spawnSync(cc, ['--version'], { stdio: 'ignore' }).status !== 0) return { why: `no C compiler (${cc})` };
  const nodeInc = findInclude(
    process.env.CATAPULT_NODE_INCLUDE,
    [path.join(path.dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'],
    'node_api.h',
  );
  if (nodeInc === null) return { why: 'no Node headers (node_api.h; apt-get install libnode-dev)' };
  const arch = multiarch();
  const blasInc = findInclude(
    process.env.CATAPULT_OPENBLAS_INCLUDE,
    [`/usr/include/${arch}/openblas-pthread`, `/usr/include/${arch}/openblas-openmp`, '/usr/include/openblas', '/usr/local/include'],
    'cblas.h',
  );
  if (blasInc === null)
    return {
      why: `no OpenBLAS headers (cblas.h${process.env.CATAPULT_OPENBLAS_INCLUDE ? ` in ${process.env.CATAPULT_OPENBLAS_INCLUDE}` : ''}; apt-get install libopenblas-dev)`,
    };
  return { nodeInc, blasInc };
}

/** Compiles and test-loads the addon into outDir/catapult_native.node: { built, why } (why: the OpenBLAS, or what failed). */
function compile({ nodeInc, blasInc }, outDir) {
  try {
    fs.mkdirSync(outDir, { recursive: true });
  } catch (e) {
    return { built: false, why: `cannot create ${outDir} (${e.code || e.message})` };
  }
  // Written beside the target and renamed: a process that has the old addon loaded keeps its mapping intact.
  const tmp = path.join(outDir, `catapult_native.${process.pid}.tmp.node`);
  // -ffp-contract=off: the level-1 loops must round every product and sum separately, like the JS kernels; -O3 vectorizes
  // their unit-stride forms (lanes that are elementwise, or the dot's four chains: the same bits), 2–4× faster at n = 16000.
  const flags = ['-O3', '-shared', '-fPIC', '-pthread', '-ffp-contract=off', '-I', nodeInc, '-I', blasInc];
  const args = [...flags, ...sources, '-o', tmp, '-lopenblas'];
  const r = spawnSync(cc, args, { encoding: 'utf8' });
  if (r.status !== 0) {
    fs.rmSync(tmp, { force: true });
    const first = (r.stderr || '').split('\n').find((l) => /error/.test(l)) || (r.stderr || '').trim().split('\n')[0] || `exit ${r.status}`;
    return { built: false, why: `the compile failed: ${first.trim()}` };
  }
  // Load it in a child: a library that links but does not load (a missing libopenblas.so.0) must not become the default.
  let identity;
  try {
    identity = execFileSync(
      process.execPath,
      ['-e', 'const a = require(process.argv[1]); process.stdout.write(a.corename() + "|" + a.config())', tmp],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    const msg =
      String(e.stderr || e.message)
        .split('\n')
        .find((l) => /Error/.test(l)) || String(e.message).split('\n')[0];
    return { built: false, why: `it built but does not load: ${msg.trim()}` };
  }
  fs.renameSync(tmp, path.join(outDir, 'catapult_native.node'));
  const [core, config] = identity.split('|');
  const version = (/OpenBLAS ([\w.]+)/.exec(config) || [])[1] || '?';
  return { built: true, why: `OpenBLAS ${version}, ${core} kernels` };
}

/** Builds the addon into outDir (toolchain, then compile): { built, why }. */
function buildNative(outDir) {
  const tc = toolchain();
  return tc.why !== undefined ? { built: false, why: tc.why } : compile(tc, outDir);
}

module.exports = { buildNative, compile, nativeCacheDir, nativeKey, toolchain };

if (require.main === module) {
  const ownBuild = !process.argv[2];
  const outDir = ownBuild ? path.join(root, 'dist', 'native') : path.resolve(process.argv[2]);
  const out = path.join(outDir, 'catapult_native.node');
  const r = buildNative(outDir);
  if (!r.built) fs.rmSync(out, { force: true });
  // The install's own build has said why there is no addon: the first use need not say it again (kernels.ts reads this).
  if (!r.built && ownBuild) {
    try {
      fs.mkdirSync(nativeCacheDir(), { recursive: true });
      fs.writeFileSync(path.join(nativeCacheDir(), 'notice.txt'), r.why);
    } catch {
      // no cache folder: the first use says it once more
    }
  }
  const rel = path.relative(process.cwd(), out) || out;
  console.log(
    r.built
      ? `catapult: native backend built (${r.why}): ${rel}`
      : `catapult: native backend not built (${r.why}); the engine runs on wasm`,
  );
}
