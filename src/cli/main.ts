// The `catapult` command line: training runs, experiments, golden files and sweeps; every error is one line and a non-zero exit.
import { CommanderError } from 'commander';
import type { Schema } from '../options';
import { VERSION } from '../experiments';
import type { CommandSpec } from './command';
import { hessian, ntk, phaseSweepCommand, train } from './training';
import { figure, reproduceCommand } from './figures';
import { check, oracle } from './oracle';
import { precision } from './precision';
import { sharpness } from './sharpness';
import { merge, plot, sweep } from './sweep';
import { explore } from './explore';
import { GLOBAL_OPTIONS, runProgram } from './program';
import { takeBackendOptions } from './backend';
import { clearProgress } from './progress';

/** Every command, in the order `catapult --help` lists them. */
export const COMMANDS: readonly CommandSpec<Schema>[] = [
  train,
  ntk,
  hessian,
  sharpness,
  phaseSweepCommand,
  figure,
  reproduceCommand,
  oracle,
  check,
  precision,
  sweep,
  merge,
  plot,
  explore,
] as readonly CommandSpec<Schema>[];

const USAGE = `usage: catapult <command> [options]

commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(12)} ${c.summary}`).join('\n')}

\`catapult <command> --help\` lists a command's options.
${GLOBAL_OPTIONS}`;

function fail(message: string): number {
  clearProgress();
  process.stderr.write(`catapult: error: ${message.split('\n')[0]}\n`);
  return 2;
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  let rest: string[];
  try {
    rest = await takeBackendOptions(argv);
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
  const [cmd] = rest;
  if (cmd === undefined) return (process.stderr.write(`${USAGE}\n`), 2);
  if (cmd === '--help' || cmd === '-h' || cmd === 'help') return (console.log(USAGE), 0);
  if (cmd === '--version') return (console.log(VERSION), 0);
  try {
    const code = await runProgram(COMMANDS, rest, USAGE);
    return typeof code === 'number' ? code : 0;
  } catch (e) {
    if (e instanceof CommanderError && (e.code === 'commander.helpDisplayed' || e.code === 'commander.help')) return 0;
    if (process.env.CATAPULT_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    return fail(e instanceof Error ? e.message : String(e));
  }
}
