// Options whose value wraps another option's (`--model quadratic` expands its `--base`): what an `onlyWhen` then reads.
import { CatapultInputError } from './inputError';

/** `value` of the declaring option stands for the value of option `by` (a flag name). */
export interface Wrapping {
  readonly value: string;
  readonly by: string;
}

/** What the look-up needs of a declaration (OptionDecl has it). */
interface Conditional {
  readonly flag: string;
  readonly standsFor?: Wrapping;
}

/**
 * The value an `onlyWhen` on `option` reads for the dependent declaration `d`, and how to name it: the option's own, or
 * where that value wraps another option's (`standsFor`), the other's (`--model quadratic --base cnn` reads as cnn).
 *
 * @example
 * conditionValue(SETUP_OPTIONS, SETUP_OPTIONS.act, 'model', valueOfFlag); // { value: 'mlp', as: '--model quadratic --base mlp' }
 */
export function conditionValue(
  schema: Readonly<Record<string, Conditional>>,
  d: Conditional,
  option: string,
  valueOfFlag: (flagName: string) => unknown,
): { value: unknown; as: string } {
  const value = valueOfFlag(option);
  const s = Object.values(schema).find((e) => e.flag === option)?.standsFor;
  if (s === undefined || String(value) !== s.value || d.flag === s.by) return { value, as: `--${option} ${String(value)}` };
  const by = valueOfFlag(s.by);
  if (by === undefined) throw new CatapultInputError(`--${s.by}`, `--${option} ${s.value} needs --${s.by}`);
  return { value: by, as: `--${option} ${s.value} --${s.by} ${String(by)}` };
}
