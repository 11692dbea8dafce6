// The issue's nonlinear "must show" 2: c_act = η_max·λ0 of fig3's setup (3 hidden ReLU layers, SGD, its default MNIST) at the CI width.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { divergenceEdge, imageSubsets, mlpInstance } from '../../src/experiments/figures/common';
import { FIG3_DEFAULTS, sgdDiverges } from '../../src/experiments/figures/lewkowycz2020/nonlinear/fig3';

test('fig3 setup at the CI width: the bisected c_act bracket lies within [8, 16] (the paper: ≈ 12 for ReLU)', () => {
  const o = FIG3_DEFAULTS;
  const { train, lambdaData } = imageSubsets(o);
  const inst = mlpInstance({ width: o.width, depth: 3, act: 'relu' }, train, o.seed, lambdaData);
  const e = divergenceEdge(o.cactScan, (c) => sgdDiverges(inst, c, o), o.relTol, 'c_act');
  assert.ok(e.edge.above - e.edge.below <= o.relTol * e.edge.above, 'bracket at the requested width');
  assert.ok(e.edge.below >= 8 && e.edge.above <= 16, `c_act in [${e.edge.below}, ${e.edge.above}]`);
});

test.run();
