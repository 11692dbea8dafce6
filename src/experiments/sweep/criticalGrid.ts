// The grid in c = η·λ_H0 of `phase-sweep --critical`: Kalra & Barkeshli's 2^x, x = 0, 0.1, …, or one given in c.
import { decimal } from '../../options';

/** Kalra & Barkeshli's grid: c = 2^x for x = 0, 0.1, …, 10 (the sweep stops at its first divergence). */
export const DEFAULT_CRITICAL_GRID = '2^0:10:0.1';

/** At most this many grid points (each is a run of T steps with a Lanczos per step). */
const MAX_POINTS = 100000;

function bound(text: string, grid: string): number {
  const v = decimal(text);
  if (!Number.isFinite(v)) throw new Error(`--cs '${grid}': '${text}' is not a decimal number`);
  return v;
}

/** start + i·step for i = 0 … n, by multiplication (not repeated addition) and rounded to 12 digits, so 0.1-steps do not drift. */
function arithmetic(text: string, grid: string): number[] {
  const parts = text.split(':');
  if (parts.length !== 3) throw new Error(`--cs '${grid}' must be start:stop:step, 2^start:stop:step or a list a,b,c`);
  const [a, b, h] = parts.map((p) => bound(p, grid));
  if (!(h > 0)) throw new Error(`--cs '${grid}' needs a step > 0`);
  if (b < a) throw new Error(`--cs '${grid}' has stop < start`);
  const n = Math.floor((b - a) / h + 1e-9) + 1;
  if (n > MAX_POINTS) throw new Error(`--cs '${grid}' has ${n} points; at most ${MAX_POINTS}`);
  return Array.from({ length: n }, (_, i) => Number((a + i * h).toPrecision(12)));
}

/**
 * The values of c a grid text gives, increasing: `2^a:b:h` is c = 2^x for x = a, a + h, …, b (x computed as
 * a + i·h, not by repeated addition); `a:b:h` is c = a, a + h, …, b; `a,b,c` is a list. Every c is > 0 and finite.
 *
 * @example
 * parseCriticalGrid('2^0:1:0.5'); // [1, 1.4142135623730951, 2]
 */
export function parseCriticalGrid(text: string): number[] {
  const s = text.trim();
  if (s === '') throw new Error('--cs needs a value');
  const cs = s.startsWith('2^')
    ? arithmetic(s.slice(2), text).map((x) => 2 ** x)
    : s.includes(':')
      ? arithmetic(s, text)
      : s.split(',').map((p) => bound(p, text));
  const bad = cs.findIndex((c, i) => !(Number.isFinite(c) && c > 0) || (i > 0 && c <= cs[i - 1]));
  if (bad >= 0) throw new Error(`--cs '${text}' must give increasing finite values of c > 0 (c = ${cs[bad]} at point ${bad})`);
  return cs;
}
