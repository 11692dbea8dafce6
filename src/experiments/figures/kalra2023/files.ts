// What the phase diagram leaves for a peer: the data, each sweep's θ_0 and critical.json, and the command that replays it.
import * as path from 'path';
import { ensureDir, toJson, writeFileAtomic } from '../../../io/output';
import { writeNpz } from '../../../io/npz';
import type { Dataset } from '../../../data';
import { saveParams } from '../../run/setup';
import type { FigureDir } from '../output';
import type { PhaseDiagramOptions } from './options';
import { PhaseSweep, panelRun, phaseSetup } from './sweeps';

/**
 * The `catapult phase-sweep --critical` that recomputes a sweep from the figure's files (paths relative to the figure's
 * directory); its critical.json has the same constants and points, bit for bit.
 * @example
 * replayCommand(o, sweep); // 'catapult phase-sweep --critical --model mlp … --init runs/gd-d2-w16-s0/init.npz …'
 */
export function replayCommand(o: PhaseDiagramOptions, s: PhaseSweep): string {
  const run = panelRun(o, s);
  return [
    'catapult phase-sweep --critical --model mlp --act relu --param standard --bias false',
    `--init runs/${s.name}/init.npz --data data.npz --horizon ${o.horizon} --cs ${o.grid}`,
    ...('batch' in run ? [`--batch ${run.batch} --batch-seed ${run.batchSeed}`] : []),
    `--out replay/${s.name}`,
  ].join(' ');
}

/**
 * Writes data.npz (X, Y) and, per sweep, runs/<name>/init.npz and runs/<name>/critical.json (the constants, λ_H0 and
 * every point's losses and λ_H per step, with the replay command), and lists them in the figure's files.
 * @example
 * writeSweepDirs(out, o, d.data, d.sweeps);
 */
export function writeSweepDirs(out: FigureDir, o: PhaseDiagramOptions, data: Dataset, sweeps: readonly PhaseSweep[]): void {
  writeNpz(path.join(out.dir, 'data.npz'), { X: data.X, Y: data.Y });
  out.written.push('data.npz');
  for (const s of sweeps) {
    const dir = path.join(out.dir, 'runs', s.name);
    ensureDir(dir);
    const setup = phaseSetup(o, data, s.depth, s.width, s.seed);
    saveParams(path.join(dir, 'init.npz'), setup.model, setup.init);
    const { name, result, ...cell } = s;
    writeFileAtomic(path.join(dir, 'critical.json'), toJson({ ...result, cell, grid: o.grid, replay: replayCommand(o, s) }));
    out.written.push(`runs/${name}/init.npz`, `runs/${name}/critical.json`);
  }
}
