// `--lr Cx` means one thing in train, oracle and sweep: C·2/λ0 for MSE, C·2/λ_H0 (the loss Hessian's) for logistic and CE.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hessianAt, lambdaAt } from '../../src/models';
import { SetupCache, SetupInput, makeGolden, parseLr, runGridPoint, runTraining, setup } from '../../src/experiments';

const small = (loss: 'mse' | 'logistic' | 'ce'): SetupInput => ({
  model: 'mlp',
  width: 12,
  depth: 1,
  dataset: 'synthetic',
  trainSize: 20,
  testSize: 0,
  inputDim: 5,
  loss,
  seed: 3,
  ...(loss === 'logistic' && { classes: [0, 1] }),
});

for (const loss of ['mse', 'logistic', 'ce'] as const) {
  test(`${loss}: train, oracle and sweep resolve 1.5x to the same η, and record what it refers to`, () => {
    const so = small(loss),
      s = setup(so);
    const lambda0 = lambdaAt(s.model, s.init, s.data);
    const curvature = loss === 'mse' ? lambda0 : hessianAt(s.model, s.init, s.data);
    const want = (1.5 * 2) / curvature;
    const run = runTraining(s, { lr: parseLr('1.5x'), steps: 1 }, 3);
    const golden = makeGolden(s, so, {
      lr: parseLr('1.5x'),
      steps: 1,
      momentum: 0,
      l2: 0,
      eigEvery: 1,
      maxLoss: 1e12,
      convergeFraction: 1e-8,
      paramsEvery: 0,
    });
    const { width: _w, seed: _s, ...rest } = so;
    const point = runGridPoint(
      {
        setup: rest,
        grid: { widths: [12], seeds: [3], lrs: ['1.5x'] },
        train: { steps: 1, momentum: 0, l2: 0, maxLoss: 1e12, convergeFraction: 1e-8, time: 1 },
      },
      { index: 0, width: 12, seed: 3, lr: '1.5x' },
      new SetupCache(),
    );
    assert.is(run.eta, want);
    assert.is(golden.meta.config.eta, want);
    assert.is(point.eta, want);
    const reference = loss === 'mse' ? 'ntk' : 'hessian';
    assert.is(run.summary.lr_reference, reference);
    assert.is(golden.meta.config.lr_reference, reference);
    assert.is(point.lr_reference, reference);
    assert.ok(
      Math.abs(run.summary.eta_over_eta_crit - 1.5) <= 1e-15,
      `η/η_crit against the curvature that set η: ${run.summary.eta_over_eta_crit}`,
    );
    if (loss !== 'mse')
      assert.ok(Math.abs(curvature - lambda0) > 1e-3 * lambda0, 'the two references differ here, so the test can tell them apart');
  });
}

test.run();
