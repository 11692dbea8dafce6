#!/usr/bin/env node
// Builds the optional native backend (N-API addon over the system OpenBLAS) with plain gcc; prints one line, never fails the install.
//
//   node scripts/build-native.js [outDir]     → outDir/catapult_native.node (default dist/native)
//
// Environment: CC (default gcc), CATAPULT_NODE_INCLUDE / CATAPULT_OPENBLAS_INCLUDE (header directories, searched
// in the usual Debian places otherwise), CATAPULT_NATIVE=0 to skip. A missing compiler or header, or a failed
// compile, removes any stale addon and leaves the engine on wasm.
'use strict';
const { execFileSync, spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const sourceDir = path.join(root, 'src', 'linalg', 'native');
// Every .c file of the folder (they share catapult_native.h), in a fixed sorted order, compiled and linked in one gcc call.
const sources = fs
  .readdirSync(sourceDir)
  .filter((f) => f.endsWith('.c'))
  .sort()
  .map((f) => path.join(sourceDir, f));
const outDir = process.argv[2] ? path.resolve(process.argv[2]) : path.join(root, 'dist', 'native');
const out = path.join(outDir, 'catapult_native.node');
const cc = process.env.CC || 'gcc';

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

function build() {
  if (process.env.CATAPULT_NATIVE === '0') return { built: false, why: 'CATAPULT_NATIVE=0' };
  if (spawnSync(cc, ['--version'], { stdio: 'ignore' }).status !== 0) return { built: false, why: `no C compiler (${cc})` };
  const nodeInc = findInclude(
    process.env.CATAPULT_NODE_INCLUDE,
    [path.join(path.dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'],
    'node_api.h',
  );
  if (nodeInc === null) return { built: false, why: 'no Node headers (node_api.h; apt-get install libnode-dev)' };
  const arch = multiarch();
  const blasInc = findInclude(
    process.env.CATAPULT_OPENBLAS_INCLUDE,
    [`/usr/include/${arch}/openblas-pthread`, `/usr/include/${arch}/openblas-openmp`, '/usr/include/openblas', '/usr/local/include'],
    'cblas.h',
  );
  if (blasInc === null)
    return {
      built: false,
      why: `no OpenBLAS headers (cblas.h${process.env.CATAPULT_OPENBLAS_INCLUDE ? ` in ${process.env.CATAPULT_OPENBLAS_INCLUDE}` : ''}; apt-get install libopenblas-dev)`,
    };
  fs.mkdirSync(outDir, { recursive: true });
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
  fs.renameSync(tmp, out);
  const [core, config] = identity.split('|');
  const version = (/OpenBLAS ([\w.]+)/.exec(config) || [])[1] || '?';
  return { built: true, why: `OpenBLAS ${version}, ${core} kernels` };
}

const r = build();
if (!r.built) fs.rmSync(out, { force: true });
const rel = path.relative(process.cwd(), out) || out;
console.log(
  r.built ? `catapult: native backend built (${r.why}): ${rel}` : `catapult: native backend not built (${r.why}); the engine runs on wasm`,
);
