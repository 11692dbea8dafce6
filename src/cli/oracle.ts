// `catapult oracle` writes a golden trajectory; `catapult check --golden FILE` reruns one and reports deviations per field.
import * as path from 'path';
import { DIGITS_SLACK, ORACLE_OPTIONS, SETUP_OPTIONS, checkGolden, ensureDir, makeGolden, readGolden, writeGolden } from '../experiments';
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

export const check = defineCommand({
  name: 'check',
  summary: 'rerun a golden file (--golden FILE --tol X); exit 1 when a field deviates beyond the tolerance',
  options: { golden, tol },
  run(o) {
    const g = readGolden(o.golden);
    const c = g.meta.config;
    console.log(
      `${o.golden}: ${g.meta.engine}, backend ${g.meta.backend.name} (${g.meta.backend.flavor}); ${c.model.kind} model, width ${c.model.width}, ` +
        `η = ${c.eta} (${c.lr}), ${g.meta.result.steps_run} steps, ${g.meta.result.phase}`,
    );
    const r = checkGolden(g, o.tol);
    for (const n of r.notes) console.log(`note: ${n}`);
    const w = Math.max(...r.deviations.map((d) => d.field.length));
    const where = (e: { step: number; index: number } | null) => (e === null ? '—' : `t=${e.step} [${e.index}]`);
    // Per field: where a deviation beyond --tol starts and how large it is there (not only the field-wide maximum,
    // which one late chaotic step would dominate), and whether it stays within the digits the file records.
    console.log(
      `${'field'.padEnd(w)}  ${'starts at'.padEnd(14)}  ${'rel there'.padStart(9)}  ${'max rel'.padStart(9)}  ${'worst at'.padEnd(14)}`,
    );
    for (const d of r.deviations) {
      const status = d.ok ? (d.starts === null ? 'ok' : 'ok (within the recorded digits)') : `BEYOND TOLERANCE from ${where(d.first)}`;
      console.log(
        `${d.field.padEnd(w)}  ${where(d.starts).padEnd(14)}  ${(d.starts ? fmt(d.starts.rel) : '—').padStart(9)}  ${fmt(d.maxRel).padStart(9)}  ${where(d.worst).padEnd(14)}  ${status}`,
      );
    }
    const bad = r.deviations.filter((d) => !d.ok);
    if (bad.length === 0) {
      const exact = r.deviations.every((d) => d.maxAbs === 0);
      const within = r.deviations.some((d) => d.starts !== null) ? ' or the digits the file records' : '';
      console.log(`check passed: every field within --tol ${o.tol}${within}${exact ? ' (bit-identical)' : ''}`);
      return 0;
    }
    const firsts = bad.map((d) => `${d.field} ${fmt(d.first?.rel ?? Infinity)} at step ${d.first?.step ?? 0}`);
    const limit = g.digits ? `max(--tol ${o.tol}, 10^(${DIGITS_SLACK} − recorded digits))` : `--tol ${o.tol}`;
    process.stderr.write(`catapult: check failed: ${firsts.join(', ')} beyond ${limit} (relative to each step's scale)\n`);
    return 1;
  },
});
