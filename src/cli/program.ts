// The commander program derived from the command table: parsing, per-command --help, suggestions and one-line errors.
import { Command, CommanderError, Option } from 'commander';
import { Schema, parseValues } from '../options';
import { BACKENDS, defaultThreads, maxThreads } from '../linalg/backend';
import { MEMORY_LIMIT_ENV } from '../io/files';
import type { CommandResult, CommandSpec } from './command';

/** What `--backend`/`--threads` say in every help (they are taken out of argv before commander sees it). */
export const GLOBAL_OPTIONS = `global options (any command): --backend ${BACKENDS.join('|')} (default native where built, else wasm; env CATAPULT_BACKEND)
  --threads N (kernel threads, 1 to ${maxThreads('native')} here, one per core; default ${defaultThreads()}; env CATAPULT_THREADS)
  env ${MEMORY_LIMIT_ENV}: the memory a run may claim, e.g. 16G (default half of this machine's)`;

/**
 * A declaration's help line: its text and, where it has a plain default, the default: the command's own where it
 * sets one (oracle's 100 steps), else the declared one; so the help states what the command uses.
 */
function helpLine(d: Schema[string], commandDefault?: unknown): string {
  const def = commandDefault ?? d.defaultText ?? d.default;
  const shown = def === undefined || def === false || typeof def === 'function' ? '' : ` (default ${String(def)})`;
  return `${d.help}${d.required !== undefined && commandDefault === undefined ? ' (required)' : ''}${shown}`;
}

/** A commander error as one line: `unknown option '--stpes' (did you mean --steps?)`. */
function oneLine(e: CommanderError): string {
  return e.message
    .replace(/^error: /, '')
    .replace(/\n\(Did you mean (.*)\?\)/, ' (did you mean $1?)')
    .split('\n')[0];
}

/** Which commands take a flag, for the error when another one does not. */
function takers(specs: readonly CommandSpec<Schema>[], flagName: string): string[] {
  return specs.filter((s) => Object.values(s.options).some((d) => d.flag === flagName)).map((s) => s.name);
}

/** The error for a flag this command does not declare: its own reason, or which commands use the flag. */
function refused(spec: CommandSpec<Schema>, specs: readonly CommandSpec<Schema>[], e: CommanderError): string {
  const m = /unknown option '--([^'=]+)/.exec(e.message);
  if (m === null) return oneLine(e);
  const reason = spec.refuses?.[m[1]];
  if (reason !== undefined) return `--${m[1]} is not supported by ${spec.name}: ${reason}`;
  const others = takers(specs, m[1]);
  return others.length > 0 ? `${spec.name} does not use --${m[1]} (${others.join(', ')} do${others.length === 1 ? 'es' : ''})` : oneLine(e);
}

function addCommand(
  program: Command,
  spec: CommandSpec<Schema>,
  specs: readonly CommandSpec<Schema>[],
  ran: { result?: CommandResult },
): void {
  const c = program.command(spec.name).description(spec.summary).helpOption('-h, --help', "this command's options");
  const p = spec.positionals;
  if (p) c.argument(p.usage.replace(/^</, '[').replace(/>$/, ']')).usage(`${p.usage} [options]`);
  const byAttribute = new Map<string, string>();
  const negated = new Set<string>();
  const commandDefaults: Record<string, unknown> = spec.defaults ?? {};
  for (const [key, d] of Object.entries(spec.options)) {
    const o = new Option(d.arg === undefined ? `--${d.flag}` : `--${d.flag} <${d.arg}>`, helpLine(d, commandDefaults[key]));
    byAttribute.set(o.attributeName(), d.flag);
    if (o.negate) negated.add(d.flag);
    c.addOption(o);
  }
  if (spec.notes) c.addHelpText('after', `\n${spec.notes}`);
  c.addHelpText('after', `\n${GLOBAL_OPTIONS}`);
  c.exitOverride((e) => {
    throw new CommanderError(e.exitCode, e.code, e.code === 'commander.unknownOption' ? refused(spec, specs, e) : oneLine(e));
  });
  c.action((...args: unknown[]) => {
    const positionals = p ? ([] as string[]).concat((args[0] as string | string[] | undefined) ?? []) : [];
    if (p && positionals.length < p.min) throw new Error(p.missing);
    if (p && positionals.length > p.max)
      throw new Error(`${spec.name} takes ${p.max} argument${p.max > 1 ? 's' : ''} (${p.usage}), got ${positionals.length}`);
    const raw = Object.fromEntries(
      [...byAttribute].map(([attr, flagName]) => {
        const v = c.getOptionValue(attr) as string | boolean | undefined;
        // commander reads a `--no-x` switch as x = false when given and x = true when not: given exactly when false.
        return [flagName, negated.has(flagName) ? (v === false ? true : undefined) : v];
      }),
    );
    const given = new Set(Object.keys(raw).filter((k) => raw[k] !== undefined));
    ran.result = spec.run(parseValues(spec.options, raw, spec.defaults), { given, positionals });
  });
}

/**
 * Parses argv against the command table and runs the command; resolves to its result. Throws a CommanderError
 * (code `commander.helpDisplayed` after help) or the command's own one-line Error.
 *
 * @example
 * await runProgram(COMMANDS, ['train', '--model', 'warmup', '--lr', '1.5x'], usage);
 */
export async function runProgram(specs: readonly CommandSpec<Schema>[], argv: string[], usage: string): Promise<void | number> {
  const program = new Command('catapult')
    .usage('<command> [options]')
    .helpOption(false)
    .addHelpCommand(false)
    .showSuggestionAfterError(true)
    .allowExcessArguments(false)
    .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: () => {}, outputError: () => {} })
    .exitOverride((e) => {
      throw new CommanderError(e.exitCode, e.code, oneLine(e));
    });
  program.helpInformation = () => `${usage}\n`;
  const ran: { result?: CommandResult } = {};
  for (const spec of specs) addCommand(program, spec, specs, ran);
  program.commands.forEach((c) =>
    c
      .configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: () => {}, outputError: () => {} })
      .showSuggestionAfterError(true)
      .allowExcessArguments(false),
  );
  program.parse(argv, { from: 'user' });
  return ran.result;
}
