// Each input class's mutations (npz, IDX, CIFAR-10, golden) and the command that reads the mutated file.
import * as zlib from 'zlib';
import { Rng, getPath, jsonPaths, jsonReplacement, setPath } from './mutate';
import { SETUP_OPTIONS } from '../../src/experiments';
import { Bases, Made, TRAIN, byteMutation } from './bases';
import { cifarBytes, f64Bytes, idxBytes, npyDict, npyWithHeader, zipOf } from './formats';

const SHAPES = [
  '(1000000000, 3)',
  '(-1, 3)',
  '(8.5, 3)',
  '()',
  '(8, 3, 1)',
  '(4611686018427387904,)',
  '(24,)',
  '(3, 8)',
  '(0, 3)',
  "('8', 3)",
  '(8, 3',
];
const DESCRS = ['<f4', '>f8', '|u1', '|O', '<c16', '<U3', '|b1', '<i8', '<M8[s]', '<f2', 'x', '<f8'];

/** One array (X of the data file, or W0 of the parameters) rewritten with a hostile header, or the archive's structure broken. */
function npzStructural(rng: Rng, main: string, other: string, rows: number, cols: number): { bytes: Buffer; what: string } {
  const body = f64Bytes(Array.from({ length: rows * cols }, (_, i) => Math.sin(i)));
  const good = (name: string) => ({ name: `${name}.npy`, bytes: npyWithHeader(npyDict('<f8', `(${rows}, ${cols})`), body) });
  const kind = rng.int(6);
  if (kind === 0) {
    const shape = rng.pick(SHAPES);
    return {
      bytes: zipOf([{ name: `${main}.npy`, bytes: npyWithHeader(npyDict('<f8', shape), body) }, good(other)]),
      what: `${main} shape ${shape}`,
    };
  }
  if (kind === 1) {
    const descr = rng.pick(DESCRS);
    return {
      bytes: zipOf([{ name: `${main}.npy`, bytes: npyWithHeader(npyDict(descr, `(${rows}, ${cols})`), body) }, good(other)]),
      what: `${main} dtype ${descr}`,
    };
  }
  if (kind === 2)
    return {
      bytes: zipOf([{ ...good(main), deflate: true, declared: rng.pick([0, 1, 0xffffffff, 1 << 30]) }, good(other)]),
      what: 'a false uncompressed size',
    };
  if (kind === 3) return { bytes: zipOf([good(main), good(main), good(other)]), what: `${main} twice` };
  if (kind === 4) return { bytes: zipOf([good(other)]), what: `no ${main}` };
  return {
    bytes: zipOf([{ name: `${main}.npy`, bytes: npyWithHeader(npyDict('<f8', `(${rows}, ${cols})`, true), body) }, good(other)]),
    what: 'fortran order',
  };
}

/** npz files as --data, --dataset npz: and --init read them. */
export function npzCase(rng: Rng, b: Bases): Made {
  const use = rng.pick(['data', 'dataset', 'init'] as const);
  const argv =
    use === 'data'
      ? [...TRAIN, '--data', '{dir}/f.npz']
      : use === 'dataset'
        ? [...TRAIN, '--dataset', 'npz:{dir}/f.npz', '--train-size', '10', '--test-size', '0']
        : [...TRAIN, '--init', '{dir}/f.npz', '--samples', '3', '--input-dim', '2'];
  const base = use === 'data' ? b.data : use === 'dataset' ? b.dataset : b.params;
  const roll = rng.next();
  if (roll < 0.04) return { what: `${use}: unmutated`, files: { 'f.npz': base }, argv, expect: 'zero' };
  if (roll < 0.12 && use !== 'init') {
    const bomb = rng.pick(b.bombs.filter((x) => x.kind === 'npz'));
    return { what: `${use}: ${bomb.what}`, files: { 'f.npz': bomb.bytes }, argv, expect: 'any' };
  }
  const m =
    roll < 0.55
      ? byteMutation(base, rng)
      : use === 'init'
        ? npzStructural(rng, 'W0', 'b0', 4, 2)
        : npzStructural(rng, 'X', use === 'data' ? 'Y' : 'labels', use === 'data' ? 8 : 20, use === 'data' ? 3 : 4);
  return { what: `${use}: ${m.what}`, files: { 'f.npz': m.bytes }, argv, expect: 'any' };
}

const IDX_TYPES = [0x07, 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, 0xff];

/** A header field of one IDX file rewritten: type code, dimension count or a dimension. */
function idxHeaderEdit(bytes: Buffer, rng: Rng): { bytes: Buffer; what: string } {
  const c = Buffer.from(bytes);
  const kind = rng.int(3);
  if (kind === 0) return ((c[2] = rng.pick(IDX_TYPES)), { bytes: c, what: `type 0x${c[2].toString(16)}` });
  if (kind === 1) return ((c[3] = rng.pick([0, 1, 4, 255])), { bytes: c, what: `ndim ${c[3]}` });
  const dims = c[3],
    d = rng.int(Math.max(1, dims)),
    v = rng.pick([0, 0x7fffffff, 0xffffffff, 60000, 21]);
  if (c.length >= 8 + 4 * d) c.writeUInt32BE(v, 4 + 4 * d);
  return { bytes: c, what: `dimension ${d} = ${v}` };
}

/** MNIST-format directories (`--dataset mnist:DIR`): one of the four files mutated, gzipped or not, or a bomb. */
export function idxCase(rng: Rng, b: Bases): Made {
  const argv = [...TRAIN, '--dataset', 'mnist:{dir}', '--train-size', '10', '--test-size', '10'];
  const files: Record<string, Buffer | 'dir'> = { ...b.idx };
  const roll = rng.next();
  if (roll < 0.04) return { what: 'unmutated', files, argv, expect: 'zero' };
  if (roll < 0.1) {
    delete files['train-images-idx3-ubyte'];
    files['train-images-idx3-ubyte.gz'] = b.bombs.find((x) => x.kind === 'idx')!.bytes;
    const labels = rng.next() < 0.5;
    if (labels) files['train-labels-idx1-ubyte'] = idxBytes(0x08, [8 * 65536], Buffer.alloc(8 * 65536));
    return { what: `gzipped IDX bomb${labels ? ' with matching labels' : ''}`, files, argv, expect: 'any' };
  }
  const name = rng.pick(Object.keys(b.idx));
  const raw = name.endsWith('.gz') ? zlib.gunzipSync(b.idx[name]) : b.idx[name];
  const m = roll < 0.55 ? byteMutation(b.idx[name], rng) : idxHeaderEdit(raw, rng);
  files[name] = roll >= 0.55 && name.endsWith('.gz') ? zlib.gzipSync(m.bytes) : m.bytes;
  if (roll >= 0.55 && name.includes('labels') && rng.next() < 0.3)
    files[name] = idxBytes(0x08, [raw.length - 8], Buffer.alloc(raw.length - 8, 200));
  return { what: `${name}: ${m.what}`, files, argv, expect: 'any' };
}

/** CIFAR-10 directories (`--dataset cifar10:DIR`): labels out of range, torn records, a directory for a file. */
export function cifarCase(rng: Rng, b: Bases): Made {
  const argv = [...TRAIN, '--dataset', 'cifar10:{dir}', '--train-size', '10', '--test-size', '10'];
  const files: Record<string, Buffer | 'dir'> = { ...b.cifar };
  const roll = rng.next();
  if (roll < 0.04) return { what: 'unmutated', files, argv, expect: 'zero' };
  const name = rng.pick(Object.keys(b.cifar));
  if (roll < 0.5) {
    const m = byteMutation(b.cifar[name], rng);
    return { what: `${name}: ${m.what}`, files: { ...files, [name]: m.bytes }, argv, expect: 'any' };
  }
  const kind = rng.int(5);
  if (kind === 0)
    return { what: `${name}: a label of 200`, files: { ...files, [name]: cifarBytes([200, ...Array(19).fill(1)]) }, argv, expect: 'any' };
  if (kind === 1)
    return { what: `${name}: a torn last record`, files: { ...files, [name]: b.cifar[name].subarray(0, -1) }, argv, expect: 'any' };
  if (kind === 2) return { what: `${name}: a directory`, files: { ...files, [name]: 'dir' }, argv, expect: 'any' };
  if (kind === 3) {
    delete files[name];
    return { what: `${name}: missing`, files, argv, expect: 'any' };
  }
  return { what: `${name}: one class only`, files: { ...files, [name]: cifarBytes(Array(20).fill(3)) }, argv, expect: 'any' };
}

/** Strings a golden carries for people (the engine and backend that wrote it, the data's description): free text. */
const INFORMATIONAL = /^(engine|backend\.(name|flavor)|config\.data_source)$/;
/**
 * Thresholds a run may never reach: a rerun under another positive value gives the same trajectory, so the edited
 * file is a valid golden of that configuration, not a forgery.
 */
const UNREACHED_THRESHOLDS = /^config\.(max_loss|converge)$/;

/**
 * Fields the schema makes optional, whose absence means what the base golden holds (gd, λ0 from the NTK, no Hessian,
 * float64, full batch; `chaotic` is absent from files written before it): removing one leaves a valid file.
 */
const REMOVABLE = /^(config\.(lr_reference|hessian0|optimizer|precision|batch|batch_seed|layer_lr)|result\.chaotic)$/;

/** config.setup records option values, and an absent one means its declared default: removing a default is no edit. */
function isSetupDefault(path: readonly (string | number)[], value: unknown): boolean {
  if (path.length !== 3 || path[0] !== 'config' || path[1] !== 'setup') return false;
  const decl = (SETUP_OPTIONS as Record<string, { default?: unknown }>)[path[2] as string];
  return decl !== undefined && typeof decl.default !== 'function' && decl.default === value;
}

/** Whether an edit of `path` from `old` to `value` may leave a valid golden. */
function editMayBeValid(path: string, old: unknown, value: unknown): boolean {
  if (JSON.stringify(old) === JSON.stringify(value)) return true;
  if (INFORMATIONAL.test(path)) return typeof value === 'string';
  return UNREACHED_THRESHOLDS.test(path) && typeof value === 'number' && value > 0 && Number.isFinite(value);
}

/** Golden files as `check` reads them: a field replaced or removed, the text torn, forgeries, and controls that must pass. */
export function goldenCase(rng: Rng, b: Bases): Made {
  const argv = ['check', '--golden', '{dir}/g.json'];
  const text = b.golden.toString('utf8');
  const doc = JSON.parse(text);
  const roll = rng.next();
  const json = (d: unknown) => ({ 'g.json': Buffer.from(JSON.stringify(d)) });
  if (roll < 0.03)
    return {
      what: 'reformatted (indented), unchanged',
      files: { 'g.json': Buffer.from(JSON.stringify(doc, null, 1)) },
      argv,
      expect: 'zero',
    };
  if (roll < 0.06)
    return {
      what: 'a 100,000-deep array',
      files: { 'g.json': Buffer.from('['.repeat(100000) + ']'.repeat(100000)) },
      argv,
      expect: 'nonzero',
    };
  if (roll < 0.12) return forgery(rng, doc, argv);
  if (roll < 0.3) {
    const m = byteMutation(b.golden, rng);
    const same = m.bytes.equals(b.golden);
    return { what: `text: ${m.what}`, files: { 'g.json': m.bytes }, argv, expect: same ? 'zero' : 'any' };
  }
  const paths = jsonPaths(doc);
  const p = rng.pick(paths);
  const name = p.join('.');
  const old = getPath(doc, p);
  if (rng.next() < 0.15) {
    setPath(doc, p, undefined, true);
    return { what: `${name} removed`, files: json(doc), argv, expect: REMOVABLE.test(name) || isSetupDefault(p, old) ? 'any' : 'nonzero' };
  }
  const r = jsonReplacement(old, rng);
  setPath(doc, p, r.value);
  return { what: `${name} ${r.what}`, files: json(doc), argv, expect: editMayBeValid(name, old, r.value) ? 'any' : 'nonzero' };
}

/** The forgeries: digits that excuse anything, a whole trajectory doubled, a run too long to rerun. */
function forgery(rng: Rng, doc: any, argv: string[]): Made {
  const kind = rng.int(3);
  const n = doc.loss.length;
  if (kind === 0) {
    doc.digits = Array(n).fill(rng.pick([0, 1, 2]));
    for (const k of ['loss', 'lambda', 'param_norm']) doc[k] = Array(n).fill(1);
    doc.f = doc.f.map((row: number[]) => row.map(() => 1));
    return { what: 'digits 0–2 and constant trajectories', files: { 'g.json': Buffer.from(JSON.stringify(doc)) }, argv, expect: 'nonzero' };
  }
  if (kind === 1) {
    doc.digits = Array(n).fill(2);
    doc.loss = doc.loss.map((x: number) => 2 * x);
    return { what: 'digits 2 and every loss doubled', files: { 'g.json': Buffer.from(JSON.stringify(doc)) }, argv, expect: 'nonzero' };
  }
  doc.config.steps = rng.pick([1e7, 1.2e8, 1e15]);
  doc.result.diverged = { step: doc.config.steps, loss: 1e300 };
  return {
    what: `config.steps ${doc.config.steps} with a forged divergence`,
    files: { 'g.json': Buffer.from(JSON.stringify(doc)) },
    argv,
    expect: 'nonzero',
  };
}
