// `catapult oracle` writes a golden trajectory; `catapult check --golden FILE` reruns one and reports deviations per field.
import * as path from 'path';
import {
  CheckReport,
  DIGITS_MARGIN,
  DIGITS_SLACK,
  Deviation,
  Golden,
  ORACLE_OPTIONS,
  SETUP_OPTIONS,
  checkGolden,
  ensureDir,
  makeGolden,
  readGolden,
  writeGolden,
} from '../experiments';
import { parsed, pickValues } from '../options';
import { defineCommand } from './command';
import { golden, lr, tol } from './options';
import { setupFrom } from './setupFrom';

const goldenOut = parsed({
  flag: 'out',
  arg: 'FILE.json|FILE.npz',
  help: 'the golden file to write',
  required: 'FILE.json or FILE.npz',
  parse: (t) => {
    if (!/\.(json|npz)$/i.test(t)) throw new Error(`--out must end in .json or .npz, got '${t}'`);
    return t;
  },
});

/** Flags of other commands that a golden run does not record. */
export const NOT_RECORDED = { track: "golden files record λ (the NTK's) only; the Hessian's is `train --track hessian`" };

export const oracle = defineCommand({
  name: 'oracle',
  summary: 'one GD run recorded step by step as a golden file (.json or .npz) for other implementations to test against',
  options: { ...SETUP_OPTIONS, ...ORACLE_OPTIONS, lr, out: goldenOut },
  defaults: { steps: 100 },
  refuses: NOT_RECORDED,
  run(o, ctx) {
    const { lr: spec, out, ...so } = o;
    const s = setupFrom(so, ctx);
    const g = makeGolden(s, pickValues(SETUP_OPTIONS, so), { ...pickValues(ORACLE_OPTIONS, so), lr: spec });
    ensureDir(path.dirname(path.resolve(out)));
    writeGolden(out, g);
    const r = g.meta.result;
    console.log(
      `${s.model.config.kind} model, λ0 = ${g.meta.config.lambda0}, η = ${g.meta.config.eta}: ${r.phase}` +
        `${r.diverged ? ` (diverged at step ${r.diverged.step}: ${r.diverged.reason})` : ''}, ${r.steps_run} steps`,
    );
    console.log(`wrote ${out} (schema ${g.meta.schema} v${g.meta.schema_version}, init sha256 ${g.meta.sha256.init.slice(0, 12)}…)`);
  },
});

const fmt = (x: number) => (x === 0 ? '0' : Number.isFinite(x) ? x.toExponential(2) : 'MISMATCH');

/** The model in a few words, from the fields that apply to its kind. */
function describeModel(m: Golden['meta']['config']['model']): string {
  if (m.kind === 'quadratic' && m.base !== undefined) return `quadratic model of the ${describeModel(m.base)}`;
  if (m.kind === 'cnn') return `cnn model ${m.arch} on ${m.inputShape?.join('×')}`;
  if (m.kind === 'wrn') return `wrn model WRN-${m.depth}-${m.widen ?? 1} on ${m.inputShape?.join('×')}`;
  return `${m.kind} model, width ${m.width}${m.kind === 'mlp' ? `, depth ${m.depth}` : ''}`;
}

/** A field's verdict in the table: ok, ok within the digits, ok with steps not checkable, or where it fails. */
function status(d: Deviation): string {
  const where = `t=${d.first?.step} [${d.first?.index}]`;
  if (!d.ok) return `BEYOND TOLERANCE from ${where}`;
  if (d.unchecked.length > 0) return `${d.unchecked.length} step${d.unchecked.length === 1 ? '' : 's'} not checkable (no digits left)`;
  return d.starts === null ? 'ok' : 'ok (within the recorded digits)';
}

/** The failing fields in one line: derived fields that differ from the rerun's, digits too far from its estimate, then the trajectory. */
function failures(bad: readonly Deviation[], tol: number, digits: boolean): string {
  const exact = bad.filter((d) => d.field !== 'digits' && d.worst === null).map((d) => `${d.field} differs from the rerun's`);
  const estimate = bad
    .filter((d) => d.field === 'digits')
    .map((d) => `digits ${d.first!.rel.toFixed(1)} apart from the rerun's estimate at step ${d.first!.step} (more than ${DIGITS_MARGIN})`);
  const values = bad
    .filter((d) => d.field !== 'digits' && d.worst !== null)
    .map((d) => `${d.field} ${fmt(d.first!.rel)} at step ${d.first!.step}`);
  const limit = digits ? `max(--tol ${tol}, 10^(${DIGITS_SLACK} − recorded digits))` : `--tol ${tol}`;
  const trajectory = values.length > 0 ? [`${values.join(', ')} beyond ${limit} (relative to each step's scale)`] : [];
  return [...exact, ...estimate, ...trajectory].join('; ');
}

export const check = defineCommand({
  name: 'check',
  summary: 'rerun a golden file (--golden FILE --tol X); exit 1 when a field deviates beyond the tolerance',
  options: { golden, tol },
  run(o) {
    const g = readGolden(o.golden);
    const c = g.meta.config;
    console.log(
      `${o.golden}: ${g.meta.engine}, backend ${g.meta.backend.name} (${g.meta.backend.flavor}); ${describeModel(c.model)}, ` +
        `η = ${c.eta} (${c.lr}), ${g.meta.result.steps_run} steps, ${g.meta.result.phase}`,
    );
    let r: CheckReport;
    try {
      r = checkGolden(g, o.tol);
    } catch (e) {
      throw new Error(`${o.golden}: ${(e as Error).message}`);
    }
    for (const n of r.notes) console.log(`note: ${n}`);
    const w = Math.max(...r.deviations.map((d) => d.field.length));
    const where = (e: { step: number; index: number } | null) => (e === null ? '—' : `t=${e.step} [${e.index}]`);
    // Per field: where a deviation beyond --tol starts and how large it is there (not only the field-wide maximum,
    // which one late chaotic step would dominate), and whether it stays within the digits the file records.
    console.log(
      `${'field'.padEnd(w)}  ${'starts at'.padEnd(14)}  ${'rel there'.padStart(9)}  ${'max rel'.padStart(9)}  ${'worst at'.padEnd(14)}`,
    );
    for (const d of r.deviations) {
      console.log(
        `${d.field.padEnd(w)}  ${where(d.starts).padEnd(14)}  ${(d.starts ? fmt(d.starts.rel) : '—').padStart(9)}  ${fmt(d.maxRel).padStart(9)}  ${where(d.worst).padEnd(14)}  ${status(d)}`,
      );
    }
    const bad = r.deviations.filter((d) => !d.ok);
    const unchecked = `${r.unchecked} of ${r.steps} steps not checkable: beyond --tol ${o.tol} where the file's digits are exhausted (≤ ${DIGITS_SLACK})`;
    if (bad.length > 0) {
      process.stderr.write(`catapult: check failed: ${failures(bad, o.tol, g.digits !== null)}\n`);
      return 1;
    }
    if (r.inconclusive) {
      process.stderr.write(`catapult: check inconclusive: ${unchecked}; most of the run cannot be checked, so it is not passed\n`);
      return 1;
    }
    const exact = r.deviations.every((d) => d.maxAbs === 0);
    const within = r.deviations.some((d) => d.starts !== null) ? ' or the digits the file records' : '';
    const partial = r.unchecked > 0 ? `; ${unchecked}` : '';
    console.log(`check passed: every field within --tol ${o.tol}${within}${exact ? ' (bit-identical)' : ''}${partial}`);
    return 0;
  },
});
