// Result files: CSV and JSON with full round-trip precision (written with files.ts's writeFileAtomic).
import * as fs from 'fs';
import * as path from 'path';
import { fsErrorMessage, makeDirs } from './files';
export { writeFileAtomic } from './files';

/** A number as text that parses back to the same double (JS's shortest round-trip form); numpy-style nan/inf. */
export function formatNumber(x: number | null | undefined): string {
  if (x === null || x === undefined) return '';
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  return String(x);
}

/**
 * The number a `formatNumber` text stands for (undefined for a blank); null for a text that is no number.
 *
 * @example
 * parseNumber('nan'); // NaN
 * parseNumber('1e-7'); // 1e-7
 */
export function parseNumber(text: string): number | undefined | null {
  if (text === '') return undefined;
  const special: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity };
  if (Object.prototype.hasOwnProperty.call(special, text)) return special[text];
  // Decimal only, as formatNumber writes (Number would also take hex, binary and blanks).
  return /^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : null;
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
    const parts = Object.entries(value)
      .filter(([, v]) => v !== undefined && typeof v !== 'function')
      .map(([k, v]) => `${JSON.stringify(k)}:${exactJson(v)}`);
    return `{${parts.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export type Row = Record<string, number | string | null | undefined>;

/** One CSV line (no newline) of a row's values in column order. */
function csvLine(columns: readonly string[], r: Row): string {
  const cell = (v: Row[string]) => (typeof v === 'number' || v === null || v === undefined ? formatNumber(v) : csvQuote(v));
  return columns.map((c) => cell(r[c])).join(',');
}

/** A CSV body (header + rows) for the given columns. */
export function toCsv(columns: readonly string[], rows: readonly Row[]): string {
  return [columns.join(','), ...rows.map((r) => csvLine(columns, r))].join('\n') + '\n';
}

/**
 * A CSV file written as rows arrive (a long run's trajectory): the same bytes as `toCsv` of all rows, flushed every
 * 64 KiB or second, so an interrupted run keeps what it computed. Errors name the file. With `continueAt` the file's
 * first `continueAt` bytes (its header and the rows a resumed run keeps) stay, and the rows go after them.
 *
 * @example
 * const csv = new CsvAppender('out/trajectory.csv', ['t', 'loss']); csv.row({ t: 0, loss: 1 }); csv.close();
 */
export class CsvAppender {
  private fd: number;
  private pending: string[] = [];
  private size = 0;
  private flushed = Date.now();

  constructor(
    private readonly file: string,
    private readonly columns: readonly string[],
    continueAt?: number,
  ) {
    try {
      makeDirs(path.dirname(file));
      this.fd = fs.openSync(file, continueAt === undefined ? 'w' : 'a');
      if (continueAt !== undefined) fs.ftruncateSync(this.fd, continueAt);
    } catch (e) {
      throw new Error(fsErrorMessage(file, e, 'write'));
    }
    if (continueAt === undefined) this.add(columns.join(','));
  }

  row(r: Row): void {
    this.add(csvLine(this.columns, r));
  }

  /** Writes out every row handed in so far and waits until they are on disk (before a checkpoint that counts on them). */
  sync(): void {
    this.flush();
    try {
      fs.fsyncSync(this.fd);
    } catch (e) {
      throw new Error(fsErrorMessage(this.file, e, 'write'));
    }
  }

  close(): void {
    this.sync();
    try {
      fs.closeSync(this.fd);
    } catch (e) {
      throw new Error(fsErrorMessage(this.file, e, 'write'));
    }
  }

  private add(line: string): void {
    this.pending.push(line + '\n');
    this.size += line.length + 1;
    if (this.size >= 1 << 16 || Date.now() - this.flushed >= 1000) this.flush();
  }

  private flush(): void {
    try {
      fs.writeSync(this.fd, this.pending.join(''));
    } catch (e) {
      throw new Error(fsErrorMessage(this.file, e, 'write'));
    }
    this.pending = [];
    this.size = 0;
    this.flushed = Date.now();
  }
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
