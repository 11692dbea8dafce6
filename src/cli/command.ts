// A command of the CLI as a value: its name, one-line summary, option schema, per-command defaults and what it runs.
import type { Schema, Values } from '../options';

/** What a command's run gets besides its option values. */
export interface CommandContext {
  /** Flags given on the command line (without dashes), for checks across options. */
  given: ReadonlySet<string>;
  /** Positional arguments (only for commands that declare `positionals`). */
  positionals: string[];
}

/** A command returns nothing (exit 0) or its exit code (check: 1 when the golden file is not reproduced). */
export type CommandResult = void | number | Promise<void | number>;

export interface CommandSpec<S extends Schema> {
  name: string;
  /** One line for `catapult --help`. */
  summary: string;
  /** Positional arguments: how the help writes them (`<id>`, `<dir...>`), how many, and the error when too few. */
  positionals?: { usage: string; min: number; max: number; missing: string };
  options: S;
  /** This command's defaults where they differ from the declared ones (e.g. oracle's 100 steps). */
  defaults?: Partial<Values<S>>;
  /** Flags other commands take that this one refuses, with the reason (a clearer error than "unknown option"). */
  refuses?: Readonly<Record<string, string>>;
  /** Extra lines after the options in `catapult <command> --help`. */
  notes?: string;
  run(o: Values<S>, ctx: CommandContext): CommandResult;
}

/**
 * Declares a command; the schema's type flows into `run`, so every option it reads is declared.
 *
 * @example
 * const ntk = defineCommand({ name: 'ntk', summary: 'top-K NTK eigenvalues', options: { ...SETUP_OPTIONS, top }, run: (o) => … });
 */
export function defineCommand<S extends Schema>(spec: CommandSpec<S>): CommandSpec<S> {
  return spec;
}
