// Result files: CSV and JSON with full round-trip precision (written with files.ts's writeFileAtomic).
import * as fs from 'fs';
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
    fs.mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new Error(`cannot create output directory ${dir}: ${(e as Error).message}`);
  }
}
