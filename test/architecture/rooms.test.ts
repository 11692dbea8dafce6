// The tree keeps its design: rooms import only the rooms below them, no two files import each other (even for types),
// study folders export their figures alone, and no source file grows past 400 lines.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';

const SRC = path.resolve(__dirname, '../../../src');

/**
 * The rooms from the bottom up: a file may import its own room and any room of a lower rung, never one of its own rung
 * or above. io/, random/, options/ and data/ sit beside linalg below the models; inside experiments/, one run and the
 * report tools come first, the oracle and sweeps use them, and the figures use everything.
 */
const RUNGS: readonly (readonly string[])[] = [
  ['random', 'options'],
  ['linalg'],
  ['io'],
  ['data', 'autodiff'],
  ['models'],
  ['experiments/run', 'experiments/report'],
  ['experiments/oracle', 'experiments/sweep'],
  ['experiments/figures'],
  ['experiments'],
  ['explore'],
  ['cli', 'web'],
  ['index.ts'],
];
const rung = new Map(RUNGS.flatMap((rooms, i) => rooms.map((r) => [r, i] as const)));

function sources(dir: string, exts: readonly string[]): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'assembly' ? [] : sources(p, exts);
    return exts.some((x) => e.name.endsWith(x)) ? [p] : [];
  });
}

/** A file's room: its folder under src/, or under src/experiments/ where it has one. */
function roomOf(file: string): string {
  const parts = path.relative(SRC, file).split(path.sep);
  if (parts[0] === 'experiments' && parts.length > 2) return `experiments/${parts[1]}`;
  return parts[0];
}

const FILES = sources(SRC, ['.ts']);
const KNOWN = new Set(FILES);

/** The relative imports and re-exports of a file (type-only ones too), resolved to files of the tree. */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/g)) {
    const base = path.resolve(path.dirname(file), m[1]);
    const target = [`${base}.ts`, path.join(base, 'index.ts')].find((c) => KNOWN.has(c));
    if (target === undefined) throw new Error(`${path.relative(SRC, file)}: cannot resolve '${m[1]}'`);
    out.push(target);
  }
  return out;
}

const GRAPH = new Map(FILES.map((f) => [f, importsOf(f)]));

test('every room is on a rung (a new folder under src/ or src/experiments/ gets its place here)', () => {
  const unplaced = [...new Set(FILES.map(roomOf))].filter((r) => !rung.has(r));
  assert.equal(unplaced, []);
});

test('a room imports only its own room and the rooms below it', () => {
  const wrong: string[] = [];
  for (const [file, targets] of GRAPH) {
    const from = roomOf(file);
    for (const t of targets) {
      const to = roomOf(t);
      if (to !== from && rung.get(to)! >= rung.get(from)!) wrong.push(`${path.relative(SRC, file)} imports ${path.relative(SRC, t)}`);
    }
  }
  assert.equal(wrong, []);
});

/** Strongly connected components of more than one file (Tarjan), each sorted. */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>(),
    low = new Map<string, number>(),
    stack: string[] = [],
    on = new Set<string>(),
    found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v)!) {
      if (!index.has(w)) (visit(w), low.set(v, Math.min(low.get(v)!, low.get(w)!)));
      else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    for (let w = stack.pop()!; ; w = stack.pop()!) {
      on.delete(w);
      component.push(w);
      if (w === v) break;
    }
    if (component.length > 1) found.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

test('no two files import each other, directly or around a ring, not even for types', () => {
  assert.equal(
    cycles(GRAPH).map((ring) => ring.map((f) => path.relative(SRC, f))),
    [],
  );
  // The check finds a ring when there is one.
  assert.equal(
    cycles(
      new Map([
        ['a', ['b']],
        ['b', ['c']],
        ['c', ['a']],
        ['d', ['a']],
      ]),
    ),
    [['a', 'b', 'c']],
  );
});

test('a study folder exports its figures and nothing else', () => {
  const figures = path.join(SRC, 'experiments', 'figures');
  const studies = fs.readdirSync(figures, { withFileTypes: true }).filter((e) => e.isDirectory());
  assert.ok(studies.length >= 4, studies.map((s) => s.name).join(', '));
  for (const s of studies) {
    const index = fs.readFileSync(path.join(figures, s.name, 'index.ts'), 'utf8');
    const exported = [...index.matchAll(/^export \{([^}]*)\} from '[^']+';$/gm)].flatMap((m) => m[1].split(',').map((x) => x.trim()));
    const statements = index.split('\n').filter((l) => l.startsWith('export'));
    assert.is(
      exported.length > 0 && statements.every((l) => /^export \{[^}]*\} from '[^']+';$/.test(l)),
      true,
      `${s.name}/index.ts: named re-exports only`,
    );
    const { FIGURE_TABLE } = require(path.resolve(__dirname, '../../src/experiments/figures')) as { FIGURE_TABLE: unknown[] };
    // The exported values themselves must be table entries (an id like eos-sharpening is no identifier, so names may differ).
    const study = require(path.resolve(__dirname, '../../src/experiments/figures', s.name)) as Record<string, unknown>;
    for (const name of exported)
      assert.ok(FIGURE_TABLE.includes(study[name]), `${s.name}/index.ts exports ${name}, which is not a figure of FIGURE_TABLE`);
  }
});

test('no source file is over 400 lines', () => {
  const long = sources(SRC, ['.ts', '.c', '.h'])
    .concat(sources(path.join(SRC, 'linalg', 'wasm', 'assembly'), ['.ts']))
    .map((f) => [path.relative(SRC, f), fs.readFileSync(f, 'utf8').split('\n').length - 1] as const)
    .filter(([, n]) => n > 400);
  assert.equal(long, []);
});

test.run();
