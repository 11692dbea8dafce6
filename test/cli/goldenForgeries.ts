// The forged and malformed golden files of issue 30's audit: one edit each of a good file, and the exit `check` owes it.
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { exactJson } from '../../src/io/output';

/** The good files the edits start from (`catapult oracle` arguments). */
export const BASES = {
  mlp: [
    '--model',
    'mlp',
    '--width',
    '16',
    '--depth',
    '1',
    '--samples',
    '8',
    '--input-dim',
    '4',
    '--lr',
    '1.5x',
    '--steps',
    '60',
    '--params-every',
    '10',
  ],
  mlp0: ['--model', 'mlp', '--width', '8', '--depth', '1', '--samples', '4', '--input-dim', '2', '--lr', '1x', '--steps', '6'],
  cnn: [
    '--model',
    'cnn',
    '--arch',
    'conv:2:k3,relu,flatten,dense:1',
    '--input-shape',
    '1,8,8',
    '--samples',
    '4',
    '--lr',
    '0.5x',
    '--steps',
    '5',
  ],
  adam: [
    '--model',
    'mlp',
    '--width',
    '8',
    '--depth',
    '1',
    '--samples',
    '4',
    '--input-dim',
    '2',
    '--lr',
    '0.01',
    '--optimizer',
    'adam',
    '--steps',
    '6',
  ],
} as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

export interface Forgery {
  name: string;
  /** The item (1 digits, 2 malformed, 3 unbounded rerun, 4 fields that do not apply). */
  item: number;
  base: keyof typeof BASES;
  edit: (g: Json) => void;
  /** A last edit of the JSON text (values JSON cannot spell, such as 1e400). */
  text?: (s: string) => string;
  /** The exit `check` owes the file: 2 malformed, 1 not reproduced. */
  exit: 1 | 2;
  /** The one line on stderr names this. */
  names: RegExp;
}

const steps = (g: Json) => g.t.length;
const everyStep = (g: Json, f: (x: number, t: number) => number) => {
  g.loss = g.loss.map((x: number, t: number) => f(x, t));
};

export const FORGERIES: Forgery[] = [
  // 1. the recorded digits widen the allowance
  {
    name: 'digits 0, trajectory constant',
    item: 1,
    base: 'mlp',
    exit: 1,
    names: /check failed: digits [\d.]+ apart from the rerun's estimate at step 0/,
    edit: (g) => {
      g.digits = g.digits.map(() => 0);
      for (const k of ['loss', 'lambda', 'param_norm']) g[k] = g[k].map(() => 1);
      g.f = g.f.map((row: number[][]) => row.map((r) => r.map(() => 1)));
    },
  },
  {
    name: 'digits 2, every loss doubled',
    item: 1,
    base: 'mlp',
    exit: 1,
    names: /check failed: digits [\d.]+ apart from the rerun's estimate at step 0/,
    edit: (g) => {
      g.digits = g.digits.map(() => 2);
      everyStep(g, (x) => 2 * x);
    },
  },
  {
    name: 'digits 2.2, every loss doubled',
    item: 1,
    base: 'mlp',
    exit: 1,
    names: /check failed: digits [\d.]+ apart from the rerun's estimate at step 0/,
    edit: (g) => {
      g.digits = g.digits.map(() => 2.2);
      everyStep(g, (x) => 2 * x);
    },
  },
  {
    name: 'digits 6, every loss ×(1 + 1e-5)',
    item: 1,
    base: 'mlp',
    exit: 1,
    names: /check failed: digits [\d.]+ apart from the rerun's estimate at step 0/,
    edit: (g) => {
      g.digits = g.digits.map(() => 6);
      everyStep(g, (x) => x * (1 + 1e-5));
    },
  },
  {
    name: 'digits 0, arrays untouched',
    item: 1,
    base: 'mlp',
    exit: 1,
    names: /check failed: digits [\d.]+ apart from the rerun's estimate at step 0/,
    edit: (g) => {
      g.digits = g.digits.map(() => 0);
    },
  },
  { name: 'digits deleted', item: 1, base: 'mlp', exit: 2, names: /golden field digits is missing/, edit: (g) => delete g.digits },
  {
    name: 'digits on an adam run',
    item: 1,
    base: 'adam',
    exit: 2,
    names: /golden field digits is recorded/,
    edit: (g) => {
      g.digits = g.t.map(() => 0);
    },
  },
  {
    name: 'result.chaotic flipped',
    item: 1,
    base: 'mlp',
    exit: 1,
    names: /check failed: chaotic differs from the rerun's/,
    edit: (g) => {
      g.result.chaotic = !g.result.chaotic;
    },
  },
  // 2. malformed fields
  {
    name: 'setup.act "sigmoid"',
    item: 2,
    base: 'mlp',
    exit: 2,
    names: /config\.setup\.act/,
    edit: (g) => (g.config.setup.act = 'sigmoid'),
  },
  { name: 'setup.samples −5', item: 2, base: 'mlp', exit: 2, names: /config\.setup\.samples/, edit: (g) => (g.config.setup.samples = -5) },
  {
    name: 'setup.seed 1e400',
    item: 2,
    base: 'mlp',
    exit: 2,
    names: /config\.setup\.seed/,
    edit: () => {},
    text: (s) => s.replace('"seed":0,"samples"', '"seed":1e400,"samples"'),
  },
  {
    name: 'setup.samples "8" (a string)',
    item: 2,
    base: 'mlp',
    exit: 2,
    names: /config\.setup\.samples/,
    edit: (g) => (g.config.setup.samples = '8'),
  },
  { name: 'setup.width true', item: 2, base: 'mlp', exit: 2, names: /config\.setup\.width/, edit: (g) => (g.config.setup.width = true) },
  { name: 'setup.depth 1.5', item: 2, base: 'mlp', exit: 2, names: /config\.setup\.depth/, edit: (g) => (g.config.setup.depth = 1.5) },
  {
    name: 'setup.stpes (unknown)',
    item: 2,
    base: 'mlp',
    exit: 2,
    names: /config\.setup\.stpes is not a setup option/,
    edit: (g) => (g.config.setup.stpes = 5),
  },
  {
    name: 'setup.width 17 (model 16)',
    item: 2,
    base: 'mlp',
    exit: 2,
    names: /config\.setup\.width 17 disagrees/,
    edit: (g) => (g.config.setup.width = 17),
  },
  {
    name: 'setup.model linear (model mlp)',
    item: 2,
    base: 'mlp',
    exit: 2,
    names: /config\.setup\./,
    edit: (g) => (g.config.setup.model = 'linear'),
  },
  { name: 't[3] = 7', item: 2, base: 'mlp', exit: 2, names: /golden field t\[3\]/, edit: (g) => (g.t[3] = 7) },
  { name: 't deleted', item: 2, base: 'mlp', exit: 2, names: /golden field t /, edit: (g) => delete g.t },
  { name: 't one short', item: 2, base: 'mlp', exit: 2, names: /golden field t\[/, edit: (g) => g.t.pop() },
  {
    name: 'params.t "abc" (params_every 0)',
    item: 2,
    base: 'mlp0',
    exit: 2,
    names: /golden field params\.t "abc" is not \[\]/,
    edit: (g) => (g.params.t = 'abc'),
  },
  {
    name: 'params.t {} (params_every 0)',
    item: 2,
    base: 'mlp0',
    exit: 2,
    names: /golden field params\.t \{\} is not \[\]/,
    edit: (g) => (g.params.t = {}),
  },
  {
    name: 'config.lr "1.2.3x"',
    item: 2,
    base: 'mlp',
    exit: 2,
    names: /config\.lr "1\.2\.3x" is not a learning rate/,
    edit: (g) => (g.config.lr = '1.2.3x'),
  },
  {
    name: 'config.lr "2x", η unchanged',
    item: 2,
    base: 'mlp',
    exit: 2,
    names: /config\.eta .* is not config\.lr 2x/,
    edit: (g) => (g.config.lr = '2x'),
  },
  { name: 'config.eta ×(1 + 1e-12)', item: 2, base: 'mlp', exit: 2, names: /config\.eta/, edit: (g) => (g.config.eta *= 1 + 1e-12) },
  {
    name: 'config.lambda0 ×2',
    item: 2,
    base: 'mlp',
    exit: 2,
    names: /config\.eta .* resolved against config\.lambda0/,
    edit: (g) => (g.config.lambda0 *= 2),
  },
  {
    name: 'lr_reference "hessian" (mse)',
    item: 2,
    base: 'mlp',
    exit: 2,
    names: /config\.lr_reference/,
    edit: (g) => (g.config.lr_reference = 'hessian'),
  },
  {
    name: 'lr_reference deleted',
    item: 2,
    base: 'mlp',
    exit: 2,
    names: /config must have required property 'lr_reference'/,
    edit: (g) => delete g.config.lr_reference,
  },
  { name: 'hessian0 5 (η from λ0)', item: 2, base: 'mlp', exit: 2, names: /config\.hessian0 is 5/, edit: (g) => (g.config.hessian0 = 5) },
  {
    name: 'result.phase "catapult" (rerun: unconverged)',
    item: 2,
    base: 'mlp',
    exit: 1,
    names: /check failed: phase differs from the rerun's/,
    edit: (g) => (g.result.phase = 'catapult'),
  },
  {
    name: 'model.act deleted',
    item: 2,
    base: 'mlp',
    exit: 2,
    names: /config\.model\.act is missing/,
    edit: (g) => delete g.config.model.act,
  },
  // 3. the rerun's length
  {
    name: 'steps 1e7, forged diverged at 60 (loss[60] null)',
    item: 3,
    base: 'mlp',
    exit: 1,
    names: /check failed: diverged_at differs from the rerun's/,
    edit: (g) => {
      g.config.steps = 1e7;
      g.result.diverged = { step: steps(g) - 1, reason: 'loss is not finite' };
      g.loss[steps(g) - 1] = null;
    },
  },
  {
    name: 'steps 1.2e8, forged diverged at 60',
    item: 3,
    base: 'mlp',
    exit: 2,
    names: /result\.diverged says step 60, but loss\[60\]/,
    edit: (g) => {
      g.config.steps = 1.2e8;
      g.result.diverged = { step: steps(g) - 1, reason: 'loss is not finite' };
    },
  },
  {
    name: 'loss[5] 1e13 beyond max_loss, not diverged',
    item: 3,
    base: 'mlp',
    exit: 2,
    names: /golden field loss\[5\] is 10000000000000/,
    edit: (g) => (g.loss[5] = 1e13),
  },
  // 4. fields that do not apply
  {
    name: 'cnn with model.width 1000',
    item: 4,
    base: 'cnn',
    exit: 2,
    names: /config\.model\.width does not apply to the cnn model/,
    edit: (g) => (g.config.model.width = 1000),
  },
  {
    name: 'cnn with setup.act relu',
    item: 4,
    base: 'cnn',
    exit: 2,
    names: /config\.setup\.act does not apply/,
    edit: (g) => (g.config.setup.act = 'relu'),
  },
  {
    name: 'cnn with setup.inputDim 8',
    item: 4,
    base: 'cnn',
    exit: 2,
    names: /config\.setup\.inputDim does not apply/,
    edit: (g) => (g.config.setup.inputDim = 8),
  },
  {
    name: 'cnn with model.outputs 3 (arch: 1)',
    item: 4,
    base: 'cnn',
    exit: 2,
    names: /config\.model\.outputs is 3/,
    edit: (g) => (g.config.model.outputs = 3),
  },
];

export interface Outcome {
  code: number | null;
  stderr: string;
  seconds: number;
}

/**
 * Makes the base files with `bin` in `dir`, writes every forgery beside them and runs `check` on each (`timeout` ms:
 * a hang is reported as code null).
 *
 * @example
 * runForgeries('bin/catapult.js', '/tmp/f', 20_000).forEach(([f, o]) => console.log(f.name, o.code));
 */
export function runForgeries(bin: string, dir: string, timeout: number): [Forgery, Outcome][] {
  const run = (args: string[]) => {
    const started = Date.now();
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: dir, encoding: 'utf8', timeout, killSignal: 'SIGKILL' });
    return { code: r.status, stderr: r.stderr, seconds: (Date.now() - started) / 1000 };
  };
  for (const [name, args] of Object.entries(BASES)) {
    const made = run(['oracle', ...args, '--out', `${name}.json`]);
    if (made.code !== 0) throw new Error(`oracle ${name}: ${made.stderr}`);
  }
  return FORGERIES.map((f, i) => {
    const g = JSON.parse(fs.readFileSync(path.join(dir, `${f.base}.json`), 'utf8'));
    f.edit(g);
    const file = `forged-${i}.json`;
    fs.writeFileSync(path.join(dir, file), (f.text ?? ((s: string) => s))(exactJson(g)));
    return [f, run(['check', '--golden', file])];
  });
}
