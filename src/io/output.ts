// Result files: CSV and JSON with full round-trip precision (written with files.ts's writeFileAtomic).
import { makeDirs } from './files';
export { writeFileAtomic } from './files';

/** A number as text that parses back to the same double (JS's shortest round-trip form); numpy-style nan/inf. */
export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined) return '';
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return String(x);
}

/** JSON where non-finite numbers become null (JSON has no NaN); finite ones keep every bit. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n';
}

/**
 * Compact JSON in which every double reads back to the same bits, −0 included: JSON.stringify writes −0 as `0`,
 * so it is written `-0.0` (JSON.parse and Python's json.load both keep its sign). Non-finite numbers become null.
 *
 * @example
 * exactJson({ b: [-0, 1.5] }); // '{"b":[-0.0,1.5]}'
 */
export function exactJson(value: unknown): string {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0.0' : Number.isFinite(value) ? String(value) : 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : exactJson(v))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const parts = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function').map(([k, v]) => `${JSON.stringify(k)}:${exactJson(v)}`);
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export type Row = Record<string, number | string | null | undefined>;

/** A CSV body (header + rows) for the given columns. */
export function toCsv(columns: readonly string[], rows: readonly Row[]): string {
  const cell = (v: Row[string]) => (typeof v === 'number' || v === null || v === undefined ? formatNumber(v) : csvQuote(v));
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n') + '\n';
}

function csvQuote(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Makes the output directory, with a one-line error when that is impossible. */
export function ensureDir(dir: string): void {
  try {
    makeDirs(dir);
  } catch (e) {
    throw new Error(`cannot create output directory ${dir}: ${(e as Error).message}`);
  }
}
