// Renders docs/backends.md's performance table from bench/results/*.json (one quiet `npm run bench`), so the docs are regenerated, never hand-edited.
//   node scripts/bench-table.js            # prints the block
//   node scripts/bench-table.js --write    # replaces the block between the markers in docs/backends.md
//   node scripts/bench-table.js --check    # exit 1 when docs/backends.md's block differs from the results
// A field an older results file lacks prints as "—".
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const RESULTS = path.join(ROOT, 'bench', 'results');
const DOC = path.join(ROOT, 'docs', 'backends.md');
const BEGIN = '<!-- bench-table:begin (rendered by node scripts/bench-table.js --write from bench/results; do not edit) -->';
const END = '<!-- bench-table:end -->';
const FILES = ['peak', 'kernels', 'training', 'lambda', 'conv', 'hessian', 'wide'];
const NA = '—';

const num = (x) => typeof x === 'number' && Number.isFinite(x);
/** x with d decimals, or — when missing. */
const f = (x, d = 1) => (num(x) ? x.toFixed(d) : NA);
/** "a / b" of two entries of an array field (missing entries as —). */
const pair = (xs, d = 1, scale = 1) => [0, 1].map((i) => f(Array.isArray(xs) && num(xs[i]) ? xs[i] * scale : null, d)).join(' / ');
/** "lo–hi" over the present values. */
const range = (xs, d = 1) => {
  const v = xs.filter(num);
  if (v.length === 0) return NA;
  const lo = Math.min(...v).toFixed(d),
    hi = Math.max(...v).toFixed(d);
  return lo === hi ? lo : `${lo}–${hi}`;
};
/** The field k of every row. */
const pluck = (rows, k) => rows.map((x) => x[k]);
const pct = (xs) =>
  range(
    xs.map((x) => (num(x) ? 100 * x : null)),
    0,
  );

/** Every results file that exists, by name. */
function readResults(dir) {
  const out = {};
  for (const name of FILES) {
    const file = path.join(dir, `${name}.json`);
    if (fs.existsSync(file)) out[name] = JSON.parse(fs.readFileSync(file, 'utf8'));
  }
  return out;
}

/** The table rows ([what, catapult, numpy, PyTorch, ratios]) the present files give. */
function rows(r) {
  const out = [];
  const { peak, kernels, training, lambda, conv, hessian, wide } = r;
  // Always shown, so a table rendered without peak.json says what is missing.
  const a = (t) => (peak?.achievable ?? []).find((x) => x.threads === t)?.gflops;
  const nominal = (t) => (num(peak?.nominal?.gflops) ? (peak.nominal.gflops * Math.min(t, peak.nominal.cores)) / peak.nominal.cores : null);
  /** Rates on t threads as "x % of the dgemm peak, y % of nominal", from this run's peak.json. */
  const ofPeak = (rates, t) =>
    `${pct(rates.map((g) => (num(g) && num(a(t)) ? g / a(t) : null)))} % of the dgemm peak, ${pct(rates.map((g) => (num(g) && num(nominal(t)) ? g / nominal(t) : null)))} % of nominal`;
  out.push([
    'physical limit: float64 peak, 1 / 2 threads (large native dgemm, n = 2048 and 4096)',
    `${f(a(1))} / ${f(a(2))} GFLOP/s`,
    '',
    '',
    `nominal ${f(peak?.nominal?.gflops)} GFLOP/s: ${peak?.nominal?.derivation ?? NA}`,
  ]);
  if (kernels) {
    const g = kernels.gemm ?? [];
    const at = (ns) => g.filter((x) => ns.includes(x.n));
    const big = at([1024, 2048]);
    const col = (rowsOf, k, d = 1) => range(pluck(rowsOf, k), d);
    const native1 = pluck(g, 'native1');
    out.push([
      `gemm 1 thread, n = ${g.length > 0 ? `${g[0].n} … ${g[g.length - 1].n}` : NA}`,
      `${col(g, 'native1')} GFLOP/s`,
      col(g, 'numpy1'),
      col(g, 'torch1'),
      `${col(g, 'native1OverNumpy1', 2)}× numpy, ${ofPeak(native1, 1)} (wasm: ${col(g, 'wasm1')})`,
    ]);
    const each = (k) => big.map((x) => f(x[k])).join(' / ');
    const native2 = pluck(big, 'native2');
    out.push([
      'gemm 2 threads, n = 1024 / 2048',
      `${each('native2')} GFLOP/s`,
      each('numpy2'),
      each('torch2'),
      `${col(big, 'native2OverNumpy2', 2)}× numpy, ${ofPeak(native2, 2)} (wasm: ${col(big, 'wasm2')})`,
    ]);
  }
  const gd = training?.gd;
  if (gd) {
    const rev = (xs) => (Array.isArray(xs) ? [xs[1], xs[0]] : xs);
    const rate = (t) =>
      num(gd.gemmFlopsPerStep) && num(gd.nativeSeconds?.[t - 1]) ? gd.gemmFlopsPerStep / gd.nativeSeconds[t - 1] / 1e9 : null;
    out.push([
      `MLP GD step (${gd.depth}×${gd.width} ReLU, batch ${gd.batch}×${gd.inputDim}, ${gd.outputs} outputs), 2 / 1 threads`,
      `${pair(rev(gd.nativeSeconds), 1, 1e3)} ms`,
      pair(rev(gd.numpySeconds), 1, 1e3),
      pair(rev(gd.torchSeconds), 1, 1e3),
      `${pair(rev(gd.nativeOverNumpyTime), 2)}× numpy's time, ${pair(rev(gd.nativeOverTorchTime), 2)}× PyTorch's; gemm at ${pair([rate(2), rate(1)])} GFLOP/s, ${ofPeak([rate(2)], 2)} on 2 threads, ${ofPeak([rate(1)], 1)} on 1 (wasm: ${pair(rev(gd.wasmSeconds), 0, 1e3)} ms)`,
    ]);
  }
  for (const run of lambda?.runs ?? []) {
    const by = (t) => (run.rows ?? []).find((x) => x.threads === t) ?? {};
    const two = [by(2), by(1)];
    const hessian = run.track === 'hessian';
    const agree = (key) => two.map((x) => (num(x[key]) ? x[key].toExponential(1) : NA)).join(' / ');
    out.push([
      `${run.steps} GD steps with λ_t${hessian ? ' and the loss Hessian’s λ_H,t' : ''} at every step (${run.depth}×${run.width} ${run.act}, batch ${run.batch}; Lanczos on the tape vs PyTorch${hessian ? ' double-backward HVPs' : ''} + scipy \`eigsh\`), 2 / 1 threads`,
      `${two.map((x) => f(x.seconds)).join(' / ')} s`,
      '',
      `${two.map((x) => f(x.torchSeconds)).join(' / ')} s`,
      `${two.map((x) => f(x.speedOverTorch, 2)).join(' / ')}× faster than PyTorch; λ's agree to ${agree('maxRelLambdaDiff')}${hessian ? `, λ_H's to ${agree('maxRelHessianDiff')}` : ''}`,
    ]);
  }
  const mlp = training?.mlp;
  if (mlp)
    out.push([
      `MLP step with one NTK matvec (${mlp.depth}×${mlp.width}, batch ${mlp.batch})`,
      `${f(mlp.seconds, 3)} s`,
      f(mlp.numpy2Seconds, 3),
      '',
      `${f(mlp.overNumpyTime, 2)}× numpy's time`,
    ]);
  const w = training?.warmup;
  if (w)
    out.push([
      `warmup-model GD, n = ${w.n} (\`train\`)`,
      `${f(w.stepsPerSecond, 0)} steps/s`,
      f(w.numpyStepsPerSecond, 0),
      f(w.torchStepsPerSecond, 0),
      `${f(w.speedOverTorch, 2)}× PyTorch, ${f(w.speedOverNumpy, 2)}× numpy's hand-derived loop`,
    ]);
  if (conv)
    out.push([
      `CNN SGD step (4 conv layers, batch ${conv.batch}×${(conv.inputShape ?? []).join('×')}), 1 / 2 threads`,
      `${pair(conv.nativeSeconds, 0, 1e3)} ms`,
      '',
      pair(conv.torchSeconds, 0, 1e3),
      `${pair(conv.nativeOverTorchTime, 2)}× PyTorch's time (wasm: ${pair(conv.wasmSeconds, 0, 1e3)} ms)`,
    ]);
  for (const h of hessian?.rows ?? []) {
    const [on, t] = h.native ? ['native', h.native] : ['js', h.js ?? {}];
    out.push([
      `exact HVP vs one gradient (${h.label}, batch ${h.batch}×${h.inputDim})`,
      `${f(t.hvp, 3)} vs ${f(t.grad, 3)} s (${on})`,
      '',
      '',
      `${f(h.hvpOverGradient, 2)}× a gradient`,
    ]);
  }
  for (const p of wide?.points ?? [])
    out.push([
      `width ${wide.width}, ${p.depth} hidden layers, ${wide.images} images`,
      `step ${f(p.stepSeconds)} s, λ ${f(p.lambdaSeconds, 0)} s`,
      '',
      '',
      `kernel buffers beyond the parameters: ${f(p.stepPeakOverParams, 2)}× (step), ${f(p.lambdaPeakOverParams, 2)}× (λ); RSS after λ ${f(p.rssAfterLambda / 2 ** 30)} GiB`,
    ]);
  return out;
}

/** One line a file: its run's date, machine, 1-min load before → after, and whether any row ran under load. */
function provenance(r) {
  return Object.entries(r).map(([name, x]) => {
    const load = x.load ?? (Array.isArray(x.loadAverage) ? { before: x.loadAverage } : {});
    const l1 = (l) => (Array.isArray(l) && num(l[0]) ? l[0].toFixed(2) : NA);
    const machine = `${x.cpu ?? NA}, ${x.cpuCount ?? NA} CPUs, ${x.backend?.flavor ?? (typeof x.backend === 'string' ? x.backend : NA)}`;
    const loaded = x.loaded === undefined ? NA : x.loaded ? 'LOADED' : 'quiet';
    return `| ${name}.json | ${(x.date ?? NA).replace(/:\d\d\.\d+Z$/, 'Z')} | ${machine} | ${l1(load.before)} → ${l1(load.after)} | ${loaded} |`;
  });
}

/** The whole block between the markers. */
function render(dir = RESULTS) {
  const r = readResults(dir);
  return [
    BEGIN,
    '| `npm run bench`, native backend | catapult native | numpy | PyTorch | ratios |',
    '|---|---|---|---|---|',
    ...rows(r).map((cells) => `| ${cells.join(' | ')} |`),
    '',
    '| results file | run (UTC) | machine | 1-min load before → after | rows |',
    '|---|---|---|---|---|',
    ...provenance(r),
    END,
  ].join('\n');
}

/** docs/backends.md's text with its block replaced by `block`; throws when the markers are missing. */
function replaceBlock(doc, block) {
  const a = doc.indexOf(BEGIN),
    b = doc.indexOf(END);
  if (a < 0 || b < a) throw new Error(`${path.relative(ROOT, DOC)}: no '${BEGIN}' … '${END}' block`);
  return doc.slice(0, a) + block + doc.slice(b + END.length);
}

module.exports = { render, replaceBlock, BEGIN, END };

if (require.main === module) {
  const arg = process.argv[2];
  if (arg !== undefined && arg !== '--write' && arg !== '--check') {
    console.error(`bench-table: unknown argument '${arg}' (expected --write or --check)`);
    process.exit(2);
  }
  try {
    const block = render();
    if (arg === undefined) console.log(block);
    else {
      const doc = fs.readFileSync(DOC, 'utf8'),
        next = replaceBlock(doc, block);
      if (arg === '--write') fs.writeFileSync(DOC, next);
      else if (next !== doc) {
        console.error('bench-table: docs/backends.md is stale: run node scripts/bench-table.js --write');
        process.exit(1);
      }
    }
  } catch (e) {
    console.error(`bench-table: ${e.message}`);
    process.exit(2);
  }
}
