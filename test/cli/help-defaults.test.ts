// Every command's --help states the defaults the command uses: its own where it sets one (oracle's 100 steps), else
// the declared one; derived from the declarations, never written twice.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { COMMANDS } from '../../src/cli/main';
import { runProgram } from '../../src/cli/program';

/** What `catapult <name> --help` prints. */
async function helpOf(name: string): Promise<string> {
  const write = process.stdout.write;
  let out = '';
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  try {
    await runProgram(COMMANDS, [name, '--help'], 'usage');
  } catch (e) {
    if ((e as { code?: string }).code !== 'commander.helpDisplayed') throw e;
  } finally {
    process.stdout.write = write;
  }
  return out;
}

test("each option's stated default is the value the command runs with", async () => {
  let checked = 0;
  for (const spec of COMMANDS) {
    const help = await helpOf(spec.name);
    const own: Record<string, unknown> = spec.defaults ?? {};
    for (const [key, d] of Object.entries(spec.options)) {
      const used = key in own ? own[key] : d.default;
      const line = help.split('\n').find((l) => new RegExp(`^\\s+--${d.flag}\\b`).test(l));
      assert.ok(line !== undefined, `${spec.name} --help lists --${d.flag}`);
      const stated = / \(default (.+)\)$/.exec(line!)?.[1];
      if (used === undefined || used === false || typeof used === 'function') {
        assert.is(stated, d.defaultText, `${spec.name} --${d.flag} states no default of its own`);
        continue;
      }
      // A default shown as text (√2) stands for the declared value; a command's own default is shown as it is.
      const expected = key in own || d.defaultText === undefined ? String(used) : d.defaultText;
      assert.is(stated, expected, `${spec.name} --${d.flag}: help says ${stated}, the command uses ${String(used)}`);
      if (key in own && d.required !== undefined) assert.not.match(line!, /\(required\)/, `${spec.name} --${d.flag} has a default`);
      checked++;
    }
  }
  assert.ok(checked > 50, `${checked} defaults checked`);
});

test('no help text spells a default in its prose: defaults are declared, and shown from the declaration', () => {
  for (const spec of COMMANDS)
    for (const d of Object.values(spec.options))
      assert.not.match(d.help, /\(default\b|[;,] default\b|\bdefault:/, `${spec.name} --${d.flag}: '${d.help}'`);
});

test('oracle --help says the 100 steps the oracle runs', async () => {
  assert.match(await helpOf('oracle'), /--steps <T>\s+GD steps \(records t = 0 … T\) \(default 100\)\n/);
});

test.run();
