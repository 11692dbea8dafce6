// Paper-size bench (run by name: `npm run bench -- paper-size`): seconds per step of the `--full` fig4/fig6 and fig3 protocols, to estimate their wall time.
import * as os from 'os';
import { backendInfo } from '../src/linalg/backend';
import { evaluate, lambdaAt, linearize, trainLinearized } from '../src/models';
import { figureOptions } from '../src/experiments/figures/reproduce';
import { fmt, once, table, writeResults } from './harness';
import { Instance, gd, imageSubsets, mlpInstance } from '../src/experiments/figures/common';
import { fig3 } from '../src/experiments/figures/lewkowycz2020/nonlinear/fig3';
import { fig4, fig4Setup } from '../src/experiments/figures/lewkowycz2020/nonlinear/fig4';

export const name = 'paper-size';
/** About a minute of compute at width 2048: `npm run bench` runs it only when named. */
export const onlyByName = true;

const STEPS = 10;

/** What one step (or one λ) of each paper-size protocol costs, in seconds. */
export async function run(): Promise<void> {
  const o4 = figureOptions(fig4, { seed: 0, full: true });
  let s4!: ReturnType<typeof fig4Setup>;
  const setup4 = once(() => (s4 = fig4Setup(o4, 0)));
  const eta = 2 / s4.inst.lambdaNtk0;
  let params: ReturnType<typeof gd>['params'] = [];
  const gdSteps = once(() => {
    params = gd(s4.inst, eta, { steps: STEPS, eigEvery: 0, measureLambda: false, recordOutputs: true, keepRecords: false }).params;
  });
  const test4 = once(() => evaluate(s4.inst.model, params, s4.test));
  const lin = linearize(s4.inst.model, s4.inst.init, s4.inst.data);
  const linSteps = once(() => trainLinearized(lin, { lr: eta / 4, steps: STEPS }));
  lin.f.tape.dispose();
  const o3 = figureOptions(fig3, { seed: 0, full: true });
  let inst3!: Instance, lambdaData!: ReturnType<typeof imageSubsets>['lambdaData'];
  const setup3 = once(() => {
    const sub = imageSubsets(o3);
    lambdaData = sub.lambdaData;
    inst3 = mlpInstance({ width: o3.width, depth: o3.depth, act: 'relu' }, sub.train, 0, lambdaData);
  });
  const sgdSteps = once(() =>
    gd(inst3, 1 / inst3.lambdaNtk0, {
      steps: STEPS / 2,
      eigEvery: 0,
      measureLambda: false,
      batch: o3.batch,
      batchLossOnly: true,
      batchSeed: 0,
    }),
  );
  const lambda3 = once(() => lambdaAt(inst3.model, inst3.init, lambdaData));
  const rows: [string, number][] = [
    [`fig4 setup: ${o4.trainSize + 8} + ${o4.testSize} digits, init, λ0 by Lanczos`, setup4],
    [`fig4 GD step, width ${o4.width}, ${o4.trainSize} × 784`, gdSteps / STEPS],
    [`fig4 test accuracy on ${o4.testSize} digits`, test4],
    ['fig6 linearized GD step (one JVP + one VJP)', linSteps / STEPS],
    [`fig3 setup: ${o3.trainSize} digits, init, λ0 on ${o3.lambdaSamples}`, setup3],
    [`fig3 SGD step, ${o3.depth} × ${o3.width}, batch ${o3.batch}`, sgdSteps / (STEPS / 2)],
    [`fig3 one λ (Lanczos on ${o3.lambdaSamples} digits)`, lambda3],
  ];
  const info = backendInfo();
  const load = os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(', ');
  console.log(`\n--full protocols, ${info.flavor} on ${info.threads} threads, load average ${load} (a shared machine inflates these)`);
  table(
    ['what', 'seconds'],
    rows.map(([what, s]) => [what, fmt(s, 3)]),
  );
  // The load average goes with the numbers: on a shared machine they scale with it.
  writeResults('paper-size', { loadAverage: os.loadavg(), rows: rows.map(([what, seconds]) => ({ what, seconds })) });
}
