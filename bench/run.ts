// Benchmark runner: runs every bench module listed in BENCHES in order (`npm run bench`).
import * as kernels from './kernels.bench';
import * as training from './training.bench';
import * as scaling from './scaling.bench';
import * as hessian from './hessian.bench';
import * as wide from './wide.bench';
import * as lambda from './lambda.bench';
import * as paperSize from './paperSize.bench';
import * as conv from './conv.bench';
import * as peak from './peak.bench';

/** A bench module: a name and a `run` that prints its table and writes bench/results/<name>.json. */
interface BenchModule {
  name: string;
  /** Too long for every run: only when named on the command line. */
  onlyByName?: boolean;
  run: () => Promise<void>;
}

/** Add new bench modules here; an optional name filter on the command line selects a subset. peak comes first: later benches report their rates as fractions of its measured dgemm peak. */
const BENCHES: BenchModule[] = [peak, kernels, training, lambda, scaling, hessian, wide, paperSize, conv];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  for (const b of BENCHES) {
    if (only.length > 0 ? !only.includes(b.name) : b.onlyByName) continue;
    const t0 = Date.now();
    console.log(`== bench ${b.name}`);
    await b.run();
    console.log(`== bench ${b.name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
