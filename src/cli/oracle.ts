// `catapult oracle` writes a golden trajectory; `catapult check --golden FILE` reruns one and reports deviations per field.
import { checkGolden, ensureDir, makeGolden, parseLr, readGolden, setup, writeGolden } from '../experiments';
import * as path from 'path';
import { MODEL_OPTIONS, TRAIN_OPTIONS, int, num, parse, setupOptions, text, trainOptions } from './args';

export const ORACLE_USAGE = `oracle options: [model options] --lr η|Cx --steps T (--seed S | --init params.npz) [--data data.npz] [--rng numpy]
  --out FILE.json|FILE.npz --eig-every K (default 1) --params-every K (θ every K steps; default 0 = initial only)
check options: --golden FILE --tol X (max relative deviation per field, default 1e-9); exit 1 beyond it`;

/** catapult oracle: one GD run recorded step by step (schema catapult-golden v1, see README). */
export function oracle(argv: string[]): void {
  const o = parse(argv, { ...MODEL_OPTIONS, ...TRAIN_OPTIONS, lr: { type: 'string' }, 'params-every': { type: 'string' } });
  if (o.help) return void console.log(ORACLE_USAGE);
  const lrText = text(o, 'lr');
  if (lrText === undefined) throw new Error('--lr is required (an absolute η, or a multiple of 2/λ0 such as 1.5x)');
  const out = text(o, 'out');
  if (out === undefined) throw new Error('--out FILE.json or FILE.npz is required');
  if (!/\.(json|npz)$/i.test(out)) throw new Error(`--out must end in .json or .npz, got '${out}'`);
  if (o.seed !== undefined && o.init !== undefined) throw new Error('--seed and --init both give the initialization; use one of them');
  const lr = parseLr(lrText);
  const so = setupOptions(o);
  const to = trainOptions(o, { steps: 100, eigEvery: 1 });
  const paramsEvery = int(o, 'params-every', 0, 0);
  const s = setup(so);
  const g = makeGolden(s, so, { ...to, lr, paramsEvery });
  ensureDir(path.dirname(path.resolve(out)));
  writeGolden(out, g);
  const r = g.meta.result;
  console.log(`${s.model.config.kind} model, λ0 = ${g.meta.config.lambda0}, η = ${g.meta.config.eta}: ${r.phase}`
    + `${r.diverged ? ` (diverged at step ${r.diverged.step}: ${r.diverged.reason})` : ''}, ${r.steps_run} steps`);
  console.log(`wrote ${out} (schema ${g.meta.schema} v${g.meta.schema_version}, init sha256 ${g.meta.sha256.init.slice(0, 12)}…)`);
}

const fmt = (x: number) => (x === 0 ? '0' : Number.isFinite(x) ? x.toExponential(2) : 'MISMATCH');

/** catapult check --golden FILE [--tol X]: exit 0 when every field is within the tolerance, 1 otherwise. */
export function check(argv: string[]): number {
  const o = parse(argv, { golden: { type: 'string' }, tol: { type: 'string' } });
  if (o.help) return void console.log(ORACLE_USAGE), 0;
  const file = text(o, 'golden');
  if (file === undefined) throw new Error('--golden FILE is required');
  const tol = num(o, 'tol', 1e-9, 0);
  const g = readGolden(file);
  const c = g.meta.config;
  console.log(`${file}: ${g.meta.engine}, backend ${g.meta.backend.name} (${g.meta.backend.flavor}); ${c.model.kind} model, width ${c.model.width}, `
    + `η = ${c.eta} (${c.lr}), ${g.meta.result.steps_run} steps, ${g.meta.result.phase}`);
  const r = checkGolden(g, tol);
  for (const n of r.notes) console.log(`note: ${n}`);
  const w = Math.max(...r.deviations.map((d) => d.field.length));
  console.log(`${'field'.padEnd(w)}  ${'max |Δ|'.padStart(9)}  ${'max rel'.padStart(9)}`);
  for (const d of r.deviations) console.log(`${d.field.padEnd(w)}  ${fmt(d.maxAbs).padStart(9)}  ${fmt(d.maxRel).padStart(9)}  ${d.ok ? 'ok' : 'BEYOND TOLERANCE'}`);
  const bad = r.deviations.filter((d) => !d.ok);
  if (bad.length === 0) {
    const exact = r.deviations.every((d) => d.maxAbs === 0);
    console.log(`check passed: every field within --tol ${tol}${exact ? ' (bit-identical)' : ''}`);
    return 0;
  }
  process.stderr.write(`catapult: check failed: ${bad.map((d) => `${d.field} ${fmt(d.maxRel)}`).join(', ')} beyond --tol ${tol}\n`);
  return 1;
}
