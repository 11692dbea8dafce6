// Experiment tools: line fits, grids, bisection, the exact-update equations and the report writer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Report, linearFit, logspace, median, powerLawFit, slopeInterval, studentTQuantile } from '../../src/experiments';
import { bisect } from '../../src/experiments/sweep/bisect';
import { LinearModelState, linearModelStep, warmupStep } from '../../src/experiments/figures/lewkowycz2020/linear/theory';
import { relErr } from '../util';

test('linearFit recovers an exact line and R² = 1; noise lowers R²', () => {
  const x = [1, 2, 3, 4, 5],
    y = x.map((v) => 2.5 * v - 1);
  const f = linearFit(x, y);
  assert.ok(relErr(f.slope, 2.5) <= 1e-15 && relErr(f.intercept, -1) <= 1e-14 && f.r2 === 1);
  assert.ok(linearFit(x, [1, 3, 2, 5, 4]).r2 < 0.9);
  assert.throws(() => linearFit([1], [1]), /needs ≥ 2/);
});

test('powerLawFit recovers an exponent; logspace hits its ends; median', () => {
  const x = logspace(1e-3, 0.2, 9),
    y = x.map((e) => 7 * e ** -1.3);
  assert.is(x[0], 1e-3);
  assert.is(x[8], 0.2);
  assert.ok(Math.abs(powerLawFit(x, y).slope + 1.3) <= 1e-12);
  assert.is(median([3, 1, 2]), 2);
  assert.is(median([4, 1, 3, 2]), 2.5);
});

test('Student-t quantiles match scipy.stats.t.ppf to 1e-14; the slope interval covers the true slope of a noisy line', () => {
  // Reference values: scipy 1.x, t.ppf(p, dof).
  const ref: [number, number, number][] = [
    [0.975, 1, 12.706204736174694],
    [0.975, 2, 4.302652729749462],
    [0.975, 3, 3.1824463052837078],
    [0.975, 4, 2.7764451051977934],
    [0.975, 10, 2.228138851986274],
    [0.995, 7, 3.4994832973504924],
    [0.9, 30, 1.3104150253913955],
  ];
  for (const [p, dof, want] of ref) assert.ok(relErr(studentTQuantile(p, dof), want) <= 1e-14, `t(${p}, ${dof})`);
  assert.ok(relErr(studentTQuantile(0.025, 5), -studentTQuantile(0.975, 5)) === 0);
  assert.throws(() => studentTQuantile(1, 3), /level must be in/);
  const x = [1, 2, 3, 4, 5, 6],
    y = [2.1, 3.9, 6.2, 7.8, 10.1, 12.0]; // ≈ 2x
  const ci = slopeInterval(linearFit(x, y))!;
  assert.ok(ci[0] < 2 && 2 < ci[1] && ci[1] - ci[0] < 0.5, `interval ${ci}`);
  assert.is(slopeInterval(linearFit([1, 2], [3, 4])), null);
});

test('bisect narrows to the requested relative width and rejects a bracket without the boundary', () => {
  const b = bisect((x) => x * x > 2, 1, 2, 1e-10);
  assert.ok(b.below < Math.SQRT2 && b.above >= Math.SQRT2 && b.above - b.below <= 1e-10 * b.above);
  assert.throws(() => bisect((x) => x > 5, 1, 3, 1e-6), /still off at the upper end/);
  assert.throws(() => bisect((x) => x > 0, 1, 3, 1e-6), /already on at the lower end/);
});

test('(S3)–(S4) with one sample x = 1, y = 0 reduce to the warmup recurrences (6)–(7)', () => {
  // With m = d = 1: Θ = λ, and |v|² is carried along; the two implementations must agree step by step.
  const n = 50,
    eta = 1.3;
  let s: LinearModelState = { f: Float64Array.of(0.7), theta: Float64Array.of(2.1), vNorm2: 52 };
  let w = { f: 0.7, lambda: 2.1 };
  for (let t = 0; t < 30; t++) {
    s = linearModelStep(s, Float64Array.of(1), Float64Array.of(0), 1, 1, n, eta);
    w = warmupStep(w.f, w.lambda, eta, n);
    assert.ok(relErr(s.f[0], w.f) <= 1e-12, `t = ${t}: f ${s.f[0]} vs ${w.f}`);
    assert.ok(relErr(s.theta[0], w.lambda) <= 1e-12, `t = ${t}: λ ${s.theta[0]} vs ${w.lambda}`);
  }
});

test('Report puts the checks table first, marks departures, and escapes pipes', () => {
  const r = new Report('T')
    .text('intro')
    .check({ quantity: 'a|b', paper: '1', measured: '1.0', pass: true })
    .check({ quantity: 'c', paper: '2', measured: '3', pass: false })
    .table(['x', 'y'], [[1e-7, 'z']]);
  const md = r.toMarkdown();
  assert.ok(md.indexOf('Paper vs measured') < md.indexOf('intro'));
  assert.match(md, /a\\\|b/);
  assert.match(md, /\*\*departs\*\*/);
  assert.match(md, /1\.000e-7/);
});

test.run();
