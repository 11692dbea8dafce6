// The fuzz suite's cases: case i is a seeded mutation of one base input (npz, IDX, CIFAR-10 or golden) and the command that reads it.
import { Rng } from './mutate';
import { Bases, FUZZ_CLASSES, FuzzCase, FuzzClass, Made } from './bases';
import { cifarCase, goldenCase, idxCase, npzCase } from './classes';

/** The share of cases per class, out of every 20: goldens most, as forging them is the most severe break. */
const CLASS_WEIGHTS: Record<FuzzClass, number> = { npz: 5, idx: 4, cifar: 3, golden: 8 };
const CLASS_WHEEL = FUZZ_CLASSES.flatMap((c) => Array<FuzzClass>(CLASS_WEIGHTS[c]).fill(c));

const CASE_MAKERS: Record<FuzzClass, (rng: Rng, b: Bases) => Made> = { npz: npzCase, idx: idxCase, cifar: cifarCase, golden: goldenCase };

/** Case `index`: its class from a fixed wheel, its mutation from a generator seeded by the index. */
export function makeCase(index: number, bases: Bases): FuzzCase {
  const rng = new Rng(index * 2654435761 + 12345);
  const cls = CLASS_WHEEL[index % CLASS_WHEEL.length];
  const c = CASE_MAKERS[cls](rng, bases);
  return { index, cls, ...c };
}
