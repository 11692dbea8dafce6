// The engine in a page: the wasm kernels from bytes the bundle carries, on one thread and unshared memory (no files, no workers).
import { BackendInfo, useWasmRuntime } from '../linalg/backend';
import { WasmFlavor, WasmRuntime, WasmSource } from '../linalg/wasm/runtime';
import { unsharedMemoryModule } from '../linalg/wasm/unshared';

/** Memory sizes tried in turn (64 KiB pages: 1 GiB, 256 MiB, 64 MiB). Unshared memory is never grown: growing would detach every view of it. */
const PAGE_COUNTS = [16384, 4096, 1024];

/** The largest fixed-size unshared memory the engine grants. */
function fixedMemory(): { memory: WebAssembly.Memory; maxPages: number } {
  for (const pages of PAGE_COUNTS) {
    try {
      return { memory: new WebAssembly.Memory({ initial: pages, maximum: pages }), maxPages: pages };
    } catch {
      // too large for this engine: try the next size
    }
  }
  throw new Error('this browser cannot reserve 64 MiB of WebAssembly memory');
}

/**
 * A kernel source from the module bytes of each flavor (as scripts/build-wasm.js writes them), made to import unshared memory.
 *
 * @example
 * const rt = new WasmRuntime('auto', 1, pageWasmSource({ fma, simd }));
 */
export function pageWasmSource(bytes: Record<WasmFlavor, Uint8Array>): WasmSource {
  return {
    compile(flavor) {
      const b = unsharedMemoryModule(bytes[flavor]);
      return WebAssembly.validate(b) ? new WebAssembly.Module(b) : null;
    },
    memory: fixedMemory,
  };
}

/**
 * Makes the page's wasm kernels the engine's backend: FMA where the browser has relaxed SIMD (as the CLI's `wasm`), else SIMD.
 *
 * @example
 * startPageEngine({ fma, simd }); // { name: 'wasm', flavor: 'fma', threads: 1 }
 */
export function startPageEngine(bytes: Record<WasmFlavor, Uint8Array>): BackendInfo {
  return useWasmRuntime(new WasmRuntime('auto', 1, pageWasmSource(bytes)));
}
