// Prints docs/critical.md's theory-check table: the uv model's exact c_loss, c_sharp, c_max (T = 10) against 1/n.
// Run after the build: node scripts/uv-critical-table.js [seeds]
const { initParams, warmupModel, uvState } = require('../dist/src/models');
const { uvCriticalBoundaries } = require('../dist/src/experiments');

const WIDTHS = [4, 16, 64, 256, 1024, 4096];
const HORIZON = 10;
const seeds = Number(process.argv[2] ?? 100);
if (!(Number.isInteger(seeds) && seeds >= 1 && seeds <= 10000)) {
  console.error(`uv-critical-table: seeds must be an integer in 1 … 10000, got '${process.argv[2]}'`);
  process.exit(2);
}

const fmt = (xs) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return `${mean.toFixed(4)} (${Math.min(...xs).toFixed(4)}–${Math.max(...xs).toFixed(4)})`;
};

console.log(`| n | 1/n | f0²/(nλ0²) | c_loss | c_sharp | c_max |`);
console.log(`|---|---|---|---|---|---|`);
for (const n of WIDTHS) {
  const rows = { eps: [], loss: [], sharp: [], max: [] };
  for (let seed = 0; seed < seeds; seed++) {
    const p = { n, x: 1, y: 0 };
    const init = initParams(warmupModel(n), seed);
    const s0 = uvState(init[0].data, init[1].data, p);
    const b = uvCriticalBoundaries(s0, p, HORIZON);
    rows.eps.push((s0.f * s0.f) / n / s0.lambda ** 2);
    rows.loss.push(b.c_loss.above);
    rows.sharp.push(b.c_sharp.above);
    rows.max.push(b.c_max.above);
  }
  const meanEps = rows.eps.reduce((a, b) => a + b, 0) / seeds;
  console.log(`| ${n} | ${1 / n} | ${meanEps.toExponential(2)} | ${fmt(rows.loss)} | ${fmt(rows.sharp)} | ${fmt(rows.max)} |`);
}
console.log(`\nmean (min–max) over seeds 0 … ${seeds - 1}; T = ${HORIZON}, divergence bound 1e5`);
