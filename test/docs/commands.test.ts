// The README's and docs' command examples stay true: every `catapult` line in their sh blocks parses against the real
// command table (flags, values, checks), and the quick ones run to exit 0 in a scratch directory.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { COMMANDS } from '../../src/cli/main';
import { runProgram } from '../../src/cli/program';
import { BACKENDS } from '../../src/linalg/backend';
import { scratch } from '../cli/helpers';

const ROOT = path.resolve(__dirname, '../../..');
/** The pages a newcomer reads (docs/full/ holds reports a run wrote, not examples). */
const PAGES = [
  'README.md',
  ...fs
    .readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

interface Example {
  page: string;
  line: string;
  argv: string[];
}

/** Values for the shell variables the examples use (a cluster job's), so that their words parse as the shell would give them. */
const SHELL_VARIABLES: Record<string, string> = { SLURM_CPUS_PER_TASK: '2', SLURM_ARRAY_TASK_ID: '0' };

function expand(word: string): string {
  return word.replace(/\$\{?([A-Za-z_]\w*)\}?/g, (_, name: string) => {
    const value = SHELL_VARIABLES[name];
    if (value === undefined) throw new Error(`no example value for $${name}: add one to SHELL_VARIABLES`);
    return value;
  });
}

/** Words of a shell line up to its first pipe, redirection, `&&`, `;` or comment; quotes group words. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\|\||&&|[|;#]|\d?>>?)|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    if (m[3] !== undefined) break;
    words.push(m[2] ?? expand(m[1] ?? m[4]));
  }
  return words;
}

/** The `catapult` invocations of a page's sh/bash blocks, continuations joined; env assignments before them dropped. */
function examples(page: string): Example[] {
  const text = fs.readFileSync(path.join(ROOT, page), 'utf8');
  const out: Example[] = [];
  for (const block of text.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
    const lines = block[1].replace(/\\\n\s*/g, ' ').split('\n');
    for (const raw of lines) {
      const words = shellWords(raw.trim().replace(/^\$ /, ''));
      while (words.length > 0 && /^[A-Z_]+=/.test(words[0])) words.shift();
      const at =
        words[0] === 'npx' && words[1] === 'catapult'
          ? 2
          : words[0] === 'catapult'
            ? 1
            : words[0] === 'node' && words[1] === 'bin/catapult.js'
              ? 2
              : -1;
      if (at > 0) out.push({ page, line: raw.trim(), argv: words.slice(at) });
    }
  }
  return out;
}

/** argv without the global --backend/--threads (checked here as the CLI checks them). */
function withoutGlobals(argv: string[]): string[] {
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const m = /^--(backend|threads)(?:=(.*))?$/.exec(argv[i]);
    if (m === null) {
      rest.push(argv[i]);
      continue;
    }
    const value = m[2] ?? argv[++i];
    if (m[1] === 'backend') assert.ok((BACKENDS as readonly string[]).includes(value), `--backend ${value}`);
    else assert.ok(/^\d+$/.test(value), `--threads ${value}`);
  }
  return rest;
}

const ALL = PAGES.flatMap(examples);
/** The command table with every run replaced: parsing and the declared checks happen, nothing is computed or written. */
const PARSE_ONLY = COMMANDS.map((c) => ({ ...c, run: () => 0 }));

test('the README and docs have command examples, on every page that shows commands', () => {
  assert.ok(ALL.length >= 30, `found ${ALL.length} examples`);
  assert.ok(examples('README.md').length >= 5, 'the README shows its tour as commands');
});

test('every command example parses against the real command table (flags, values, declared checks)', async () => {
  const failures: string[] = [];
  for (const ex of ALL) {
    if (ex.argv.includes('--help') || ex.argv.includes('-h') || ex.argv[0] === '--version') continue;
    try {
      await runProgram(PARSE_ONLY, withoutGlobals(ex.argv), 'usage');
    } catch (e) {
      failures.push(`${ex.page}: ${ex.line}\n    ${(e as Error).message}`);
    }
  }
  assert.is(failures.join('\n'), '', `examples that do not parse:\n${failures.join('\n')}`);
});

/** Examples that finish in seconds here: run for real, as written, in a scratch directory (those that pick a backend
 *  only parse: the native one is optional, and the backend tests cover them all). */
const QUICK = [/^catapult train --model warmup/, /^catapult ntk /, /^catapult hessian /, /^catapult oracle .*--steps \d{1,2}\b/];

test('the quick examples run as written and exit 0', () => {
  const quick = ALL.filter((ex) => !ex.argv.includes('--backend') && QUICK.some((re) => re.test(`catapult ${ex.argv.join(' ')}`)));
  assert.ok(quick.length >= 2, `found ${quick.length} quick examples`);
  const s = scratch('catapult-docs-');
  try {
    for (const ex of quick) {
      const r = s.run(ex.argv);
      assert.is(r.code, 0, `${ex.page}: ${ex.line}\n${r.stderr}`);
    }
  } finally {
    s.cleanup();
  }
});

test.run();
