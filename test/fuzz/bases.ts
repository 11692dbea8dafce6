// The fuzz suite's inputs before mutation (small well-formed files, a golden, honest-header bombs) and the shape of a case.
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { BYTE_MUTATIONS, Rng } from './mutate';
import { balancedLabels, cifarBytes, f64Bytes, idxBomb, idxBytes, npyDict, npyWithHeader, npzBomb, zipOf } from './formats';

export const FUZZ_CLASSES = ['npz', 'idx', 'cifar', 'golden'] as const;
export type FuzzClass = (typeof FUZZ_CLASSES)[number];

/**
 * What a case may exit with: `nonzero` for a golden that was forged or broken (it must never pass), `zero` for a
 * control that must still pass, `any` where the mutation may have left a valid input (exit 0, 1 or 2 all fine).
 */
export type Expect = 'nonzero' | 'zero' | 'any';

export interface FuzzCase {
  index: number;
  cls: FuzzClass;
  what: string;
  /** Files of the case's directory: contents, or 'dir' for a directory. */
  files: Record<string, Buffer | 'dir'>;
  /** The command; `{dir}` is the case's directory. */
  argv: string[];
  expect: Expect;
}

/** What a class's maker returns: the case without its index and class. */
export type Made = Omit<FuzzCase, 'index' | 'cls'>;

/** A small mlp training run: enough to read every data file and take a step. */
export const TRAIN = [
  'train',
  '--model',
  'mlp',
  '--width',
  '4',
  '--depth',
  '1',
  '--steps',
  '2',
  '--lr',
  '0.05',
  '--quiet',
  '--out',
  '{dir}/out',
];

/** The unmutated inputs every case starts from, written once by {@link writeBases}. */
export interface Bases {
  data: Buffer;
  dataset: Buffer;
  params: Buffer;
  golden: Buffer;
  idx: Record<string, Buffer>;
  cifar: Record<string, Buffer>;
  bombs: { what: string; bytes: Buffer; kind: 'npz' | 'idx' }[];
}

const mat = (m: number, n: number, f: (i: number, j: number) => number) =>
  f64Bytes(Array.from({ length: m * n }, (_, k) => f(Math.floor(k / n), k % n)));

/** The small well-formed inputs, and the bombs (large once inflated, a few hundred KB as files). */
export function makeBases(golden: Buffer, params: Buffer): Bases {
  const npz = (entries: [string, string, string, Buffer][]) =>
    zipOf(entries.map(([name, descr, shape, body]) => ({ name: `${name}.npy`, bytes: npyWithHeader(npyDict(descr, shape), body) })));
  const labels = (m: number) => Buffer.from(BigInt64Array.from(balancedLabels(m).map(BigInt)).buffer);
  const images = (m: number) => Buffer.from(Array.from({ length: m * 36 }, (_, i) => (i * 37) & 0xff));
  return {
    data: npz([
      ['X', '<f8', '(8, 3)', mat(8, 3, (i, j) => Math.sin(i + 2 * j))],
      ['Y', '<f8', '(8, 2)', mat(8, 2, (i, j) => Math.cos(i * j))],
    ]),
    dataset: npz([
      ['X', '<f8', '(20, 4)', mat(20, 4, (i, j) => Math.sin(3 * i + j))],
      ['labels', '<i8', '(20,)', labels(20)],
    ]),
    params,
    golden,
    idx: {
      'train-images-idx3-ubyte': idxBytes(0x08, [20, 6, 6], images(20)),
      'train-labels-idx1-ubyte': idxBytes(0x08, [20], Buffer.from(balancedLabels(20))),
      't10k-images-idx3-ubyte.gz': zlib.gzipSync(idxBytes(0x08, [10, 6, 6], images(10))),
      't10k-labels-idx1-ubyte': idxBytes(0x08, [10], Buffer.from(balancedLabels(10))),
    },
    cifar: { 'data_batch_1.bin': cifarBytes(balancedLabels(20)), 'test_batch.bin': cifarBytes(balancedLabels(10)) },
    bombs: [
      { what: 'npz bomb: X and Y, 256 MiB of float64 zeros each', bytes: npzBomb(['X', 'Y'], '<f8', 2 ** 25), kind: 'npz' },
      {
        what: 'npz bomb: X and Y, 32 MiB of uint8 zeros each (256 MiB each as float64)',
        bytes: npzBomb(['X', 'Y'], '|u1', 2 ** 25),
        kind: 'npz',
      },
      { what: 'npz bomb with the wrong names (A, B)', bytes: npzBomb(['A', 'B'], '<f8', 2 ** 25), kind: 'npz' },
      { what: 'gzipped IDX bomb: 524288 images of 28×28 zeros (392 MiB, 3 GiB as float64)', bytes: idxBomb(8 * 65536), kind: 'idx' },
    ],
  };
}

export function writeBases(dir: string, b: Bases): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'bases.json'),
    JSON.stringify(b, (_, v) => (v?.type === 'Buffer' ? Buffer.from(v.data).toString('base64') : v)),
  );
}

export function readBases(dir: string): Bases {
  const raw = JSON.parse(fs.readFileSync(path.join(dir, 'bases.json'), 'utf8'));
  const buf = (s: string) => Buffer.from(s, 'base64');
  const map = (o: Record<string, string>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, buf(v)]));
  return {
    ...raw,
    data: buf(raw.data),
    dataset: buf(raw.dataset),
    params: buf(raw.params),
    golden: buf(raw.golden),
    idx: map(raw.idx),
    cifar: map(raw.cifar),
    bombs: raw.bombs.map((x: { what: string; bytes: string; kind: 'npz' | 'idx' }) => ({ ...x, bytes: buf(x.bytes) })),
  };
}

export const byteMutation = (bytes: Buffer, rng: Rng) => {
  const m = rng.pick(BYTE_MUTATIONS);
  return { bytes: m.apply(bytes, rng), what: m.what };
};
