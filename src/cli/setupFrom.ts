// The model, data and initialization of a command's run, after the checks across setup flags.
import { SETUP_OPTIONS, SetupInput, Setup, checkSetupFlags, setup } from '../experiments';
import { pickValues } from '../options';
import type { CommandContext } from './command';

/**
 * Builds the run's setup from a command's values (only the setup options are read).
 *
 * @example
 * const s = setupFrom(o, ctx); // --samples with --dataset, or --seed with --init: a one-line error
 */
export function setupFrom(o: SetupInput, ctx: CommandContext): Setup {
  checkSetupFlags(ctx.given, o.dataset);
  return setup(pickValues(SETUP_OPTIONS, o) as SetupInput);
}
