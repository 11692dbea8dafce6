// GD in double-double on the warmup model against the paper's exact recurrences (6)–(7) evaluated in 60-digit decimal.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'child_process';
import { warmupData } from '../../src/data';
import { initParams, lambdaAt, train, trainSettings, warmupModel } from '../../src/models';
import { trainDd } from '../../src/models/ddTrain';
import { hasNumpy } from '../util';

/**
 * The recurrence f' = f(1 − ηλ + η²f²/n), λ' = λ + (ηf²/n)(ηλ − 4) in Python's decimal at 60 digits, from f0 and λ0
 * computed exactly from the double initialization; prints the relative error of each step's (hi, lo) pairs.
 */
const RECURRENCE = `
import sys, json
from decimal import Decimal as Q, getcontext
getcontext().prec = 60
d = json.load(sys.stdin)
n, eta = Q(d['n']), Q(d['eta'])
u, v = [Q(x) for x in d['u']], [Q(x) for x in d['v']]
f = sum(a * b for a, b in zip(u, v)) / n.sqrt()
lam = sum(a * a + b * b for a, b in zip(u, v)) / n
errs, fmax = [], Q(0)
for (fh, fl), (lh, ll) in zip(d['f'], d['lam']):
    fmax = max(fmax, abs(f))
    errs.append([float(abs(Q(fh) + Q(fl) - f) / fmax), float(abs(Q(lh) + Q(ll) - lam) / lam)])
    f, lam = f * (1 - eta * lam + eta * eta * f * f / n), lam + (eta * f * f / n) * (eta * lam - 4)
print(json.dumps(errs))
`;

// n = 16, so the model's constant n^-1/2 = 1/4 is a double and the dd run evaluates exactly the paper's model.
const N = 16,
  STEPS = 40;

for (const c of [1.5, 3.5]) {
  test(`dd warmup n = ${N}, η·λ0 = ${c}: ${STEPS} dd GD steps follow (6)–(7) to 1e-29, float64 only to ~1e-15`, () => {
    if (!hasNumpy) return void console.log('  skipped: python3 is not on PATH (the reference is its decimal module)');
    const model = warmupModel(N),
      init = initParams(model, 3),
      data = warmupData();
    const eta = c / lambdaAt(model, init, data);
    const f: [number, number][] = [],
      lam: [number, number][] = [];
    const o = { lr: eta, ...trainSettings({ steps: STEPS, eigEvery: 1 }), recordOutputs: true };
    trainDd(model, init, data, o, (s) => {
      f.push([s.f.hi[0], s.f.lo[0]]);
      lam.push([s.lambda!.hi, s.lambda!.lo]);
    });
    assert.is(f.length, STEPS + 1);
    const input = JSON.stringify({ n: N, eta, u: Array.from(init[0].data), v: Array.from(init[1].data), f, lam });
    const run = spawnSync('python3', ['-c', RECURRENCE], { input, encoding: 'utf8' });
    assert.is(run.status, 0, run.stderr);
    const errs: [number, number][] = JSON.parse(run.stdout);
    const worstF = Math.max(...errs.map((e) => e[0])),
      worstL = Math.max(...errs.map((e) => e[1]));
    // Each step adds a few u² (≈ 1e-31) of rounding, and the catapult amplifies it by at most ~1e2 before it contracts.
    assert.ok(worstF <= 1e-29, `dd f: worst error ${worstF} of max|f|`);
    assert.ok(worstL <= 1e-29, `dd λ: worst relative error ${worstL}`);
    // The same run in float64 is off by far more: the test can tell dd from float64.
    const r64 = train(model, init, data, o);
    const f64: [number, number][] = r64.records.map((r) => [r.outputs![0], 0]);
    const run64 = spawnSync('python3', ['-c', RECURRENCE], {
      input: JSON.stringify({
        n: N,
        eta,
        u: Array.from(init[0].data),
        v: Array.from(init[1].data),
        f: f64,
        lam: r64.records.map((r) => [r.lambda!, 0]),
      }),
      encoding: 'utf8',
    });
    const worst64 = Math.max(...(JSON.parse(run64.stdout) as [number, number][]).map((e) => e[0]));
    assert.ok(worst64 > 1e3 * worstF, `float64 error ${worst64} vs dd ${worstF}`);
    console.log(
      `    η·λ0 = ${c}: dd max f error ${worstF.toExponential(2)}, max λ error ${worstL.toExponential(2)}; float64 f error ${worst64.toExponential(2)}`,
    );
  });
}

test.run();
