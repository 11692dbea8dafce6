// The machine's physical float64 limit: nominal peak from /proc/cpuinfo (cores × GHz × flop/cycle), and the large-dgemm rate measured beside it.
import * as fs from 'fs';
import * as os from 'os';

/** The nominal float64 peak and every figure it was derived from. */
export interface NominalPeak {
  model: string;
  cores: number;
  ghz: number;
  clockSource: string;
  doublesPerVector: number;
  fmaUnits: number;
  flopsPerCycle: number;
  gflops: number;
  derivation: string;
}

/** The vector width a core's FMA units actually execute, from the cpuinfo flags and vendor, with the reason. */
function vectorDoubles(flags: Set<string>, vendor: string, family: number): { doubles: number; why: string } {
  // AMD before Zen 5 (family 26) runs a 512-bit instruction as two 256-bit halves on its 256-bit FMA pipes.
  if (flags.has('avx512f') && vendor === 'AuthenticAMD' && family < 26)
    return { doubles: 4, why: `avx512f on AMD family ${family}: 512-bit ops run as two 256-bit halves, 4 doubles` };
  if (flags.has('avx512f')) return { doubles: 8, why: 'avx512f: 8 doubles a vector' };
  if (flags.has('avx')) return { doubles: 4, why: `${flags.has('avx2') ? 'avx2' : 'avx'}: 4 doubles a vector` };
  return { doubles: 2, why: 'sse2: 2 doubles a vector' };
}

/**
 * The nominal float64 peak from /proc/cpuinfo's text and /sys's cpuinfo_max_freq (kHz, null where absent):
 * physical cores × GHz × flop/cycle, flop/cycle = FMA units × doubles a vector × 2 (an FMA is two flops).
 * cpuinfo does not say how many FMA units a core has: every x86 core with the fma flag since Haswell and Zen 1 has
 * two (Intel's Xeon Bronze/Silver with one 512-bit unit are the exception); without fma, one add and one multiply
 * pipe give the same count. The clock is /sys's maximum (boost) where present, else cpuinfo's "cpu MHz", which a VM
 * reports as the nominal (TSC) clock: a core boosting above it can then beat this "peak", so the bench also measures
 * a large dgemm beside it as the achievable peak.
 *
 * @example
 *   nominalPeak(fs.readFileSync('/proc/cpuinfo', 'utf8'), null).gflops; // 83.1 on 2 Zen 4 cores at 2.596 GHz
 */
export function nominalPeak(cpuinfo: string, maxKHz: number | null): NominalPeak {
  const blocks = cpuinfo.split(/\n\s*\n/).filter((b) => /^processor\s*:/m.test(b));
  const field = (b: string, k: string) => new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm').exec(b)?.[1]?.trim();
  const first = blocks[0] ?? '';
  const coreIds = new Set(blocks.map((b) => `${field(b, 'physical id') ?? 0}:${field(b, 'core id') ?? field(b, 'processor')}`));
  const cores = Math.max(1, coreIds.size);
  const flags = new Set((field(first, 'flags') ?? '').split(/\s+/));
  const vendor = field(first, 'vendor_id') ?? 'unknown';
  const family = Number(field(first, 'cpu family') ?? NaN);
  const mhz = Number(field(first, 'cpu MHz') ?? NaN);
  const ghz = maxKHz !== null ? maxKHz / 1e6 : mhz / 1e3;
  const clockSource = maxKHz !== null ? '/sys cpuinfo_max_freq' : "cpuinfo 'cpu MHz': the nominal clock, boost not visible";
  const v = vectorDoubles(flags, vendor, family);
  const fmaUnits = flags.has('fma') ? 2 : 0;
  // An FMA is two flops; without FMA units, an add pipe and a multiply pipe each do one.
  const flopsPerCycle = fmaUnits > 0 ? fmaUnits * v.doubles * 2 : 2 * v.doubles;
  const gflops = cores * ghz * flopsPerCycle;
  const unit = flags.has('fma')
    ? `${fmaUnits} FMA units (assumed: cpuinfo does not list them)`
    : `an add and a multiply pipe (no fma flag)`;
  return {
    model: field(first, 'model name') ?? 'unknown',
    cores,
    ghz,
    clockSource,
    doublesPerVector: v.doubles,
    fmaUnits,
    flopsPerCycle,
    gflops,
    derivation:
      `${cores} cores × ${ghz.toFixed(3)} GHz (${clockSource}) × ${flopsPerCycle} flop/cycle ` +
      `(${v.why} × ${unit}) = ${gflops.toFixed(1)} GFLOP/s`,
  };
}

let cached: NominalPeak | null | undefined;

/** This machine's nominal peak, or null off Linux (no /proc/cpuinfo). */
export function machinePeak(): NominalPeak | null {
  if (cached === undefined) {
    try {
      const info = fs.readFileSync('/proc/cpuinfo', 'utf8');
      let maxKHz: number | null = null;
      try {
        maxKHz = Number(fs.readFileSync('/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq', 'utf8').trim()) || null;
      } catch {
        maxKHz = null; // VMs often have no cpufreq: cpuinfo's MHz it is
      }
      cached = nominalPeak(info, maxKHz);
    } catch {
      cached = null;
    }
  }
  return cached;
}

/** GFLOP/s of the large native dgemm by thread count, set by the peak bench in this run (the achievable peak). */
export const dgemmPeak = new Map<number, number>();

/**
 * A rate as fractions of the physical limit on `threads` threads: of the nominal peak (scaled to the threads used)
 * and of this run's large-dgemm rate at the same threads (null until the peak bench has run).
 */
export function ofPeak(gflops: number | null, threads: number): { ofNominal: number | null; ofDgemm: number | null } {
  const p = machinePeak();
  const used = Math.min(threads, p?.cores ?? os.cpus().length);
  const d = dgemmPeak.get(threads);
  return {
    ofNominal: gflops !== null && p ? gflops / ((p.gflops * used) / p.cores) : null,
    ofDgemm: gflops !== null && d ? gflops / d : null,
  };
}
