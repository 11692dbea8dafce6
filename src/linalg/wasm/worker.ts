// A kernel helper thread: waits on its control slot in shared memory and runs its share of a dgemm.
import { workerData } from 'worker_threads';
import type { WasmExports } from './runtime';

const {
  module: compiled,
  memory,
  slot,
  scratch,
} = workerData as { module: WebAssembly.Module; memory: WebAssembly.Memory; slot: number; scratch: number };
const k = new WebAssembly.Instance(compiled, { env: { memory } }).exports as unknown as WasmExports;
// Word 0: jobs posted, word 1: jobs done, word 2: error flag; doubles from byte 16: the dgemm arguments.
const ctl = new Int32Array(memory.buffer, slot, 4);
const a = new Float64Array(memory.buffer, slot + 16, 14);

// Jobs are counted from 0 when the slot is made; one may be posted before this thread gets here.
let seen = 0;
for (;;) {
  Atomics.wait(ctl, 0, seen);
  seen = Atomics.load(ctl, 0);
  try {
    k.dgemm(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], scratch);
  } catch {
    Atomics.store(ctl, 2, 1);
  }
  Atomics.store(ctl, 1, seen);
  Atomics.notify(ctl, 1);
}
