// Options that only the command line has (output paths, progress, listing and grid flags), declared once for every command.
import { decimal, flag, int, num, parsed, text } from '../options';
import { parseLr } from '../experiments';
import { OPTIMIZER_NAMES, OptimizerName } from '../models';

/**
 * A comma-separated list of distinct decimal integers in [min, max] (e.g. `--widths 250,500,1000`; not `0x10`).
 *
 * @example
 * intListParser('widths', 1)('250,500'); // [250, 500]
 */
export function intListParser(flagName: string, min: number, max = Number.MAX_SAFE_INTEGER): (s: string) => number[] {
  return (s) => {
    const xs = s.split(',').map(decimal); // as scalars are read: decimal only
    const bad = xs.findIndex((x, i) => !Number.isInteger(x) || x < min || x > max || xs.indexOf(x) !== i);
    if (bad >= 0) throw new Error(`--${flagName} must be distinct integers in [${min}, ${max}] separated by commas, got '${s}'`);
    return xs;
  };
}

/** `--optimizers gd,adam`: distinct update rules. */
function optimizerList(s: string): OptimizerName[] {
  const xs = s.split(',').map((x) => x.trim());
  const bad = xs.findIndex((x, i) => !(OPTIMIZER_NAMES as readonly string[]).includes(x) || xs.indexOf(x) !== i);
  if (bad >= 0) throw new Error(`--optimizers must be distinct names of ${OPTIMIZER_NAMES.join('|')} separated by commas, got '${s}'`);
  return xs as OptimizerName[];
}

/** `--shard i/N`: the i-th (0 … N−1) of N slices of a sweep's grid. */
function shardSpec(s: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(s);
  if (m === null) throw new Error(`--shard must be i/N (e.g. 0/8, for SLURM_ARRAY_TASK_ID/array size), got '${s}'`);
  const [index, count] = [Number(m[1]), Number(m[2])];
  if (count < 1 || index >= count) throw new Error(`--shard ${s} is out of range: need 0 ≤ i < N and N ≥ 1`);
  return { index, count };
}

/** `--only a,b,c`: experiment ids, blanks dropped. */
const idList = (s: string) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);

export const quiet = flag({ flag: 'quiet', help: 'no progress bar on stderr' });
export const out = (what: string, def: string) => text({ flag: 'out', arg: 'DIR', help: what, default: def });
export const lr = parsed({
  flag: 'lr',
  arg: 'η|Cx',
  required: 'an absolute η, or a multiple of 2/λ0 such as 1.5x',
  help: "learning rate: η, or Cx = C·2/λ0 (for logistic and ce, C·2/λ_H0 with λ_H0 the loss Hessian's top eigenvalue)",
  parse: (t) => parseLr(t),
});
export const lrGrid = text({
  flag: 'lrs',
  arg: 'a:b:step|a,b,c',
  help: 'learning rates, e.g. 0.25x:2.25x:0.05x',
  default: '0.25x:2.25x:0.05x',
});
export const top = int({ flag: 'top', arg: 'K', help: 'how many top eigenvalues', min: 1, default: 1 });
export const dense = (what: string) => flag({ flag: 'dense', help: what });
export const saveParams = text({ flag: 'save-params', arg: 'FILE', help: 'write the final parameters to an .npz' });
export const widths = (help: string, defaultText?: string) =>
  parsed({ flag: 'widths', arg: 'N,N,...', help, defaultText, parse: intListParser('widths', 1) });
export const seeds = parsed({
  flag: 'seeds',
  arg: 'S,S,...',
  help: 'initialization seeds of the grid',
  parse: intListParser('seeds', 0, 0xffffffff),
});
export const batches = parsed({
  flag: 'batches',
  arg: 'B,B,...',
  help: 'minibatch sizes of the grid (each as --batch B)',
  defaultText: '--batch, or full batch',
  parse: intListParser('batches', 1),
});
export const optimizers = parsed({
  flag: 'optimizers',
  arg: 'gd,adam,...',
  help: `update rules of the grid, of ${OPTIMIZER_NAMES.join('|')}`,
  defaultText: '--optimizer, or gd',
  parse: optimizerList,
});
export const workers = int({ flag: 'workers', arg: 'N', help: 'worker threads', min: 1, default: 1 });
export const shard = parsed({ flag: 'shard', arg: 'i/N', help: 'run the i-th of N slices of the grid (0 ≤ i < N)', parse: shardSpec });
export const golden = parsed({
  flag: 'golden',
  arg: 'FILE',
  help: 'the golden file (.json or .npz) to rerun',
  required: 'the golden file to rerun',
  parse: (t) => t,
});
export const tol = num({ flag: 'tol', arg: 'X', help: 'max relative deviation per field', atLeast: 0, default: 1e-9 });
export const full = flag({ flag: 'full', help: "the paper's sizes instead of the CI-friendly defaults (hours for the nonlinear suite)" });
export const only = parsed({ flag: 'only', arg: 'id,id,...', help: 'run only these experiments', parse: idList });
