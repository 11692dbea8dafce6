// writeFileAtomic and makeDirs: a failed write names the file and leaves no temp file behind.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makeDirs, writeFileAtomic } from '../../src/io/files';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catapult-files-'));

test('a write that cannot complete names the file and leaves no *.tmp behind', () => {
  const target = path.join(dir, 'taken');
  fs.mkdirSync(target); // a directory where the file should go: the final rename fails
  assert.throws(() => writeFileAtomic(target, 'data'), /taken: is a directory|taken: cannot write/);
  assert.equal(
    fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
    'no temp file left',
  );
});

test('makeDirs creates missing parents and refuses a file in the way', () => {
  makeDirs(path.join(dir, 'a', 'b', 'c'));
  assert.ok(fs.statSync(path.join(dir, 'a', 'b', 'c')).isDirectory());
  fs.writeFileSync(path.join(dir, 'file'), 'x');
  assert.throws(() => makeDirs(path.join(dir, 'file', 'sub')), /file is not a directory/);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
