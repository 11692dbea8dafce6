// The part of an interrupted run's trajectory.csv that a resume keeps: its header and rows t = 0 … step − 1, read in chunks.
import * as fs from 'fs';
import { fsErrorMessage } from '../../io/files';
import { Row, parseNumber } from '../../io/output';

/** Bytes read at a time: a trajectory of millions of steps is scanned, never held whole. */
const CHUNK = 1 << 20;

export interface TrajectoryPrefix {
  /** The bytes of the header and the kept rows: the file is cut there and the resumed run appends. */
  bytes: number;
  /** The kept rows as values (with `keepRows`), for trajectory.json. */
  rows: Row[];
}

/**
 * The header and rows t = 0 … step − 1 of a trajectory.csv written by this run: the rows past them (computed after the
 * checkpoint) and a torn last line (a write cut short by the kill) are dropped. A header that is not `columns`, a row
 * out of order or not numbers, or fewer rows than the checkpoint's step are one-line errors naming the file.
 *
 * @example
 * const { bytes } = trajectoryPrefix('out/trajectory.csv', ['t', 'loss'], 100, false); // then append from `bytes`
 */
export function trajectoryPrefix(file: string, columns: readonly string[], step: number, keepRows: boolean): TrajectoryPrefix {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new Error(fsErrorMessage(file, e, 'read'));
  }
  const rows: Row[] = [];
  let bytes = 0,
    line = 0;
  // Returns false once the kept part is complete.
  const take = (text: string, length: number): boolean => {
    if (line === 0 && text !== columns.join(','))
      throw new Error(`${file}: its header is not this run's columns (${columns.join(',')}); it is not this run's trajectory`);
    if (line > 0) {
      const t = line - 1;
      const cells = text.split(',');
      const values = cells.map(parseNumber);
      if (cells.length !== columns.length || values.some((v) => v === null))
        throw new Error(`${file}: line ${line + 1} is not ${columns.length} numbers; the trajectory was changed since the run wrote it`);
      if (values[0] !== t) throw new Error(`${file}: line ${line + 1} has t = ${cells[0]}, expected ${t}; the trajectory is out of order`);
      if (t >= step) return false;
      if (keepRows) rows.push(Object.fromEntries(columns.map((c, i) => [c, values[i]])));
    }
    bytes += length;
    line++;
    return true;
  };
  try {
    const buf = Buffer.alloc(CHUNK);
    let carry = Buffer.alloc(0);
    for (let more = true; more;) {
      const n = fs.readSync(fd, buf, 0, CHUNK, null);
      if (n === 0) break;
      let chunk = Buffer.concat([carry, buf.subarray(0, n)]);
      for (let nl = chunk.indexOf(10); nl >= 0 && more; nl = chunk.indexOf(10)) {
        more = take(chunk.subarray(0, nl).toString('utf8'), nl + 1);
        chunk = chunk.subarray(nl + 1);
      }
      // What follows the last newline waits for the next chunk; at the end of the file it is a torn line, dropped.
      carry = Buffer.from(chunk);
      if (carry.length > CHUNK) throw new Error(`${file}: line ${line + 1} is over ${CHUNK} bytes long; it is not a trajectory row`);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== undefined) throw new Error(fsErrorMessage(file, e, 'read'));
    throw e;
  } finally {
    fs.closeSync(fd);
  }
  if (line - 1 < step)
    throw new Error(
      `${file}: holds ${Math.max(line - 1, 0)} whole rows, but the checkpoint is at step ${step} (rows 0 … ${step - 1} are needed to resume)`,
    );
  return { bytes, rows };
}
