#!/usr/bin/env node
// The catapult CLI entry point: runs the compiled TypeScript in dist/ (built by `npm install` / `npm run build`).
'use strict';
let cli;
try {
  cli = require('../dist/src/cli/main.js');
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes('cli/main')) {
    process.stderr.write('catapult: error: the engine is not built; run `npm install` (or `npm run build`) first\n');
    process.exit(2);
  }
  throw e;
}
// Output piped into a reader that has stopped (`catapult … | head`) is not an error of the run.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e) => {
    if (e && e.code === 'EPIPE') process.exit(process.exitCode || 0);
    else throw e;
  });
}
cli.main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
