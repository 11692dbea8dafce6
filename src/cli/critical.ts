// `phase-sweep --critical`: Kalra & Barkeshli's critical constants of c = η·λ_H0, written to critical.json.
import * as path from 'path';
import { Values, flag, int, omit, parsed, pickValues, savedFields } from '../options';
import { CatapultInputError } from '../options/inputError';
import { TRAIN_OPTIONS, appliedModelConfig } from '../models';
import {
  BARRIER_SEGMENTS,
  CRITICAL_MAX_LOSS,
  CriticalResult,
  DEFAULT_CRITICAL_GRID,
  SETUP_OPTIONS,
  VERSION,
  criticalSweep,
  ensureDir,
  parseCriticalGrid,
  toJson,
  writeFileAtomic,
} from '../experiments';
import { backendInfo } from '../linalg/backend';
import { setupFrom } from './setupFrom';
import type { CommandContext } from './command';
import { progress } from './progress';

export const CRITICAL_OPTIONS = {
  critical: flag({
    flag: 'critical',
    help: "Kalra & Barkeshli's critical constants c_loss, c_sharp, c_max, c_barrier of c = η·λ_H0 (writes critical.json)",
  }),
  horizon: int({
    flag: 'horizon',
    arg: 'T',
    help: 'with --critical: the steps each c is judged over',
    min: 1,
    default: 10,
    needs: 'critical',
  }),
  cs: parsed({
    flag: 'cs',
    arg: '2^a:b:h|a:b:h|a,b,c',
    help: 'with --critical: the grid of c = η·λ_H0 (2^a:b:h is c = 2^x, x = a, a + h, …, b), run up to its first divergence',
    default: parseCriticalGrid(DEFAULT_CRITICAL_GRID),
    defaultText: DEFAULT_CRITICAL_GRID,
    parse: parseCriticalGrid,
    needs: 'critical',
  }),
} as const;

/** The flags of phase-sweep that --critical fixes or replaces, and why. */
const NOT_WITH_CRITICAL: Readonly<Record<string, string>> = {
  lrs: 'the grid is --cs, in c = η·λ_H0',
  steps: 'the run length is --horizon',
  'eig-every': 'λ_H is measured at every step of the horizon',
  track: 'the loss Hessian is tracked at every step',
  'max-loss': `a divergence is a loss above ${CRITICAL_MAX_LOSS} or not finite (their definition)`,
  converge: 'the constants do not depend on convergence',
  precision: 'the loss Hessian is measured in float64 only',
};

/** The training settings phase-sweep --critical passes on (what the definitions fix left out). */
const RUN_OPTIONS = omit(TRAIN_OPTIONS, 'steps', 'eigEvery', 'trackHessian', 'maxLoss', 'convergeFraction', 'precision');

type CriticalCommandValues = Values<typeof SETUP_OPTIONS> & Values<typeof TRAIN_OPTIONS> & Values<typeof CRITICAL_OPTIONS>;

/** Refuses the flags that do not apply beside --critical, naming the first. */
function refuseNotCritical(given: ReadonlySet<string>): void {
  const bad = Object.keys(NOT_WITH_CRITICAL).find((f) => given.has(f));
  if (bad !== undefined) throw new CatapultInputError(`--${bad}`, `--${bad} does not apply with --critical: ${NOT_WITH_CRITICAL[bad]}`);
}

/** critical.json: the constants, λ_H0, every point and the settings that produced them. */
function criticalFile(o: CriticalCommandValues, r: CriticalResult, model: object, data: string) {
  const { c_loss, c_sharp, c_max, c_barrier, ...rest } = r;
  return {
    c_loss,
    c_sharp,
    c_max,
    c_barrier,
    ...rest,
    grid: o.cs,
    settings: {
      engine: VERSION,
      backend: (({ name, flavor, threads }) => ({ name, flavor, threads }))(backendInfo()),
      model,
      data,
      seed: o.init ? null : o.seed,
      horizon: o.horizon,
      max_loss: CRITICAL_MAX_LOSS,
      barrier_segments: BARRIER_SEGMENTS,
      // As summary.json records them: the update rule and the batch by name even where left at their defaults.
      train: { optimizer: o.optimizer ?? 'gd', batch: o.batch ?? null, ...savedFields(RUN_OPTIONS, pickValues(RUN_OPTIONS, o)) },
    },
  };
}

/**
 * Runs phase-sweep --critical and writes critical.json in --out.
 *
 * @example
 * runCritical(values, ctx); // catapult phase-sweep --critical --model mlp --width 64 --out out/critical
 */
export function runCritical(o: CriticalCommandValues & { out: string; quiet: boolean }, ctx: CommandContext): void {
  refuseNotCritical(ctx.given);
  const s = setupFrom(o, ctx);
  ensureDir(o.out);
  const bar = progress('phase-sweep --critical', o.cs.length, o.quiet);
  bar.update(0);
  const r = criticalSweep(s, {
    cs: o.cs,
    horizon: o.horizon,
    run: pickValues(RUN_OPTIONS, o),
    onPoint: (i, n, p) => bar.update(i, `c = ${p.c.toFixed(3)}${p.diverged_at === null ? '' : ': diverged'}`),
  });
  bar.finish();
  const model = appliedModelConfig(s.model.config, { initFromFile: o.init !== undefined });
  const file = path.join(o.out, 'critical.json');
  writeFileAtomic(file, toJson(criticalFile(o, r, model, s.data.source)));
  const show = (c: number | null) => (c === null ? '— (not on the grid run)' : `${c} (η = ${c / r.hessian0})`);
  console.log(`λ_H0 = ${r.hessian0}, L0 = ${r.loss0}; ${r.points.length} grid points of T = ${r.horizon} steps`);
  for (const k of ['c_loss', 'c_sharp', 'c_barrier', 'c_max'] as const) console.log(`${k.padEnd(9)} = ${show(r[k])}`);
  if (r.first_divergent_c === null) console.log('no point of the grid diverged: c_max is above the grid');
  console.log(`wrote ${file}`);
}
