// What a resume keeps of trajectory.csv: the rows before the checkpoint's step, a torn last line dropped, anything else foreign refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CsvAppender, formatNumber, parseNumber, toCsv } from '../../src/io/output';
import { trajectoryPrefix } from '../../src/experiments/run/trajectoryPrefix';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-prefix-'));
const file = path.join(dir, 'trajectory.csv');
const columns = ['t', 'loss', 'lambda'];
const rows = Array.from({ length: 6 }, (_, t) => ({ t, loss: 1 / (t + 3), lambda: t % 2 === 0 ? 4 - 1e-13 * t : undefined }));

/** Asserts that `trajectoryPrefix` refuses the file with a one-line error naming it and matching `pattern`. */
function refuses(text: string, step: number, pattern: RegExp): void {
  fs.writeFileSync(file, text);
  assert.throws(
    () => trajectoryPrefix(file, columns, step, true),
    (e: unknown) => (e as Error).message.startsWith(file) && pattern.test((e as Error).message) && !(e as Error).message.includes('\n'),
  );
}

test('formatNumber and parseNumber are inverses on every double, blanks and non-finite ones included', () => {
  for (const x of [0, 1 / 3, -2.5e-300, 5e-324, Number.MAX_VALUE, NaN, Infinity, -Infinity, 123456789012345680000])
    assert.ok(Object.is(parseNumber(formatNumber(x)), x), formatNumber(x));
  assert.is(parseNumber(''), undefined);
  for (const bad of ['0x10', ' 1', 'constructor', 'Infinity', '1,5']) assert.is(parseNumber(bad), null, bad);
});

test('the rows before the step are kept (as values) and the file is appended to after them: the bytes of one uninterrupted write', () => {
  const whole = toCsv(columns, rows);
  // A kill after the checkpoint at step 4: two rows past it, the last one torn.
  fs.writeFileSync(file, whole.slice(0, whole.length - 5));
  const kept = trajectoryPrefix(file, columns, 4, true);
  assert.equal(kept.rows, rows.slice(0, 4));
  const csv = new CsvAppender(file, columns, kept.bytes);
  rows.slice(4).forEach((r) => csv.row(r));
  csv.close();
  assert.is(fs.readFileSync(file, 'utf8'), whole);
  assert.equal(trajectoryPrefix(file, columns, 6, false), { bytes: Buffer.byteLength(whole), rows: [] });
});

test('a trajectory that is not this run’s, or is short of the checkpoint’s step, is refused naming the file', () => {
  const whole = toCsv(columns, rows);
  refuses(whole.replace('t,loss,lambda', 't,loss,hessian'), 2, /header is not this run's columns/);
  refuses(whole.replace('\n2,', '\n7,'), 4, /line 4 has t = 7, expected 2/);
  refuses(whole.replace('\n1,', '\n1,abc,'), 4, /line 3 is not 3 numbers/);
  refuses(toCsv(columns, rows.slice(0, 3)), 4, /holds 3 whole rows, but the checkpoint is at step 4/);
  refuses('', 1, /holds 0 whole rows/);
  refuses(`t,loss,lambda\n${'9'.repeat(3 << 20)}`, 1, /line 2 is over \d+ bytes long/);
  assert.throws(
    () => trajectoryPrefix(path.join(dir, 'none.csv'), columns, 1, false),
    (e: unknown) => /none\.csv: no such file/.test((e as Error).message),
  );
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
