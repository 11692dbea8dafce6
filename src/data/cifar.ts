// The CIFAR-10 binary version (data_batch_1.bin … data_batch_5.bin, test_batch.bin) as example pools of 3×32×32 images.
import * as fs from 'fs';
import * as path from 'path';
import { checkFits, fsErrorMessage } from '../io/files';
import type { Pool, Pools } from './pools';

/** Bytes per record: one label byte, then 1024 red, 1024 green and 1024 blue pixels, each plane row-major 32×32. */
export const CIFAR_RECORD = 1 + 3 * 32 * 32;
export const CIFAR_TRAIN_FILES = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`);
export const CIFAR_TEST_FILE = 'test_batch.bin';
/** The binary version's files hold 10,000 records each; larger files are not CIFAR-10 (and would not be read). */
const MAX_RECORDS_PER_FILE = 100_000;

/** A batch file's size, checked to be a whole number of records (and a file: a directory has a size too). */
function recordsSize(file: string): number {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    throw new Error(fsErrorMessage(file, err, 'read'));
  }
  if (!stat.isFile())
    throw new Error(`${file}: is ${stat.isDirectory() ? 'a directory' : 'not a regular file'} (expected a CIFAR-10 binary batch file)`);
  const size = stat.size;
  if (size === 0 || size % CIFAR_RECORD !== 0)
    throw new Error(`${file}: ${size} bytes is not a whole number of CIFAR-10 records (${CIFAR_RECORD} bytes each: 1 label + 3072 pixels)`);
  if (size / CIFAR_RECORD > MAX_RECORDS_PER_FILE)
    throw new Error(`${file}: ${size / CIFAR_RECORD} records, more than the ${MAX_RECORDS_PER_FILE} a CIFAR-10 batch file can hold`);
  return size;
}

function readRecords(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(fsErrorMessage(file, err, 'read'));
  }
}

/** Bytes a pool holds per record beside the file's: its int32 label, and which file and record it is. */
const RECORD_INDEX_BYTES = 4 + 1 + 4;

/** One pool over the records of several files, labels checked to be classes 0–9. */
function recordPool(files: readonly string[], source: string): Pool {
  const buffers = files.map(readRecords);
  const counts = buffers.map((b) => b.length / CIFAR_RECORD),
    n = counts.reduce((a, b) => a + b, 0);
  const labels = new Int32Array(n),
    fileOf = new Uint8Array(n),
    recordOf = new Int32Array(n);
  let i = 0;
  buffers.forEach((b, f) => {
    for (let r = 0; r < counts[f]; r++, i++) {
      const label = b[r * CIFAR_RECORD];
      if (label > 9) throw new Error(`${files[f]}: record ${r} has label ${label}; CIFAR-10 labels are 0–9`);
      labels[i] = label;
      fileOf[i] = f;
      recordOf[i] = r;
    }
  });
  return {
    labels,
    d: CIFAR_RECORD - 1,
    // The stored order (channel planes, each row-major) is already (C, H, W) in C order.
    fill(i, out, offset) {
      const b = buffers[fileOf[i]],
        start = recordOf[i] * CIFAR_RECORD + 1;
      for (let j = 0; j < CIFAR_RECORD - 1; j++) out[offset + j] = b[start + j] / 255;
    },
    source,
  };
}

/**
 * The training batches present in `dir` (data_batch_1.bin at least) and test_batch.bin, if there; without it the
 * test subset is split off the training pool.
 *
 * @example
 * const { train, test } = cifar10Pools('/data/cifar-10-batches-bin');
 */
export function cifar10Pools(dir: string): Pools {
  const trainFiles = CIFAR_TRAIN_FILES.map((f) => path.join(dir, f)).filter((f) => fs.existsSync(f));
  if (!trainFiles.some((f) => path.basename(f) === CIFAR_TRAIN_FILES[0]))
    throw new Error(
      `${path.join(dir, CIFAR_TRAIN_FILES[0])}: no such file; cifar10:DIR needs the binary version's ${CIFAR_TRAIN_FILES.join(', ')} (1 at least) and ${CIFAR_TEST_FILE}`,
    );
  const testFile = path.join(dir, CIFAR_TEST_FILE);
  const name = `cifar10:${dir}`;
  const testFiles = fs.existsSync(testFile) ? [testFile] : [];
  // Every file's size is checked, and the whole read against the memory limit, before any file is read.
  const bytes = [...trainFiles, ...testFiles].reduce(
    (a, f) => a + (recordsSize(f) / CIFAR_RECORD) * (CIFAR_RECORD + RECORD_INDEX_BYTES),
    0,
  );
  checkFits(`${name}: its batch files (${[...trainFiles, ...testFiles].map((f) => path.basename(f)).join(', ')})`, bytes);
  return {
    train: recordPool(trainFiles, `${name} train split`),
    test: testFiles.length > 0 ? recordPool(testFiles, `${name} test split`) : null,
    source: `cifar10 (${dir})`,
    pixels: true,
  };
}
