#!/usr/bin/env node
// Removes what tsc wrote into dist/ (src, test, bench) before it writes again: a module that moved or was deleted must not
// live on as a stale .js that Node would still load (a file `x.js` shadows a folder `x/`). The kernels in dist/wasm and
// dist/native are left alone: their own build scripts rebuild them.
'use strict';
const fs = require('fs');
const path = require('path');

const dist = path.join(__dirname, '..', 'dist');
for (const dir of ['src', 'test', 'bench']) fs.rmSync(path.join(dist, dir), { recursive: true, force: true });
