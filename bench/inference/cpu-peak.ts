// This CPU's fp32 peak, derived from lscpu and /proc/cpuinfo: physical cores × FMA units per core
// × fp32 lanes per unit × 2 FLOPs per FMA × GHz. A MAC is one FMA, so peak GMAC/s is half the
// GFLOP/s. The FMA units per core are not in lscpu: they come from the microarchitecture, which
// the vendor, family and flags tell; the table below says which source each assumption rests on.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface CpuPeak {
  readonly model: string;
  readonly vendor: string;
  readonly family: number;
  readonly modelNumber: number;
  readonly physicalCores: number;
  readonly logicalCpus: number;
  readonly avx2Fma: boolean;
  readonly avx512f: boolean;
  readonly microarchitecture: string;
  readonly fmaUnitsPerCore: number;
  readonly fp32LanesPerUnit: number;
  /** Where the FMA unit count and width come from. */
  readonly fmaSource: string;
  readonly mhz: number;
  readonly mhzSource: string;
  readonly peakGflops: number;
  readonly peakGmacs: number;
  /** The formula with this machine's numbers. */
  readonly derivation: string;
}

function field(text: string, name: string): string | undefined {
  const m = new RegExp(`^${name}:\\s*(.+)$`, 'm').exec(text);
  return m?.[1]?.trim();
}

/** FMA units and fp32 lanes per unit by microarchitecture (what the flags cannot say). */
function fmaUnits(vendor: string, family: number, flags: Set<string>) {
  const avx512 = flags.has('avx512f');
  if (vendor === 'AuthenticAMD' && family === 25 && avx512)
    return {
      microarchitecture: 'AMD Zen 4 (family 19h with AVX-512: EPYC 9004 "Genoa")',
      units: 2,
      lanes: 8,
      source:
        'Zen 4 has two 256-bit FMA pipes (FP0, FP1) and executes a 512-bit operation as two 256-bit halves: 2 × 8 fp32 FMA per cycle, the same as AVX2 (AMD, Software Optimization Guide for the AMD Zen4 Microarchitecture, pub. 57647, floating-point unit; Chips and Cheese, "AMD\'s Zen 4, Part 1", 2022)',
    };
  if (vendor === 'AuthenticAMD' && family === 26 && avx512)
    return {
      microarchitecture: 'AMD Zen 5 (family 1Ah)',
      units: 2,
      lanes: 16,
      source: 'Zen 5 server cores have a full 512-bit datapath with two FMA pipes (AMD, Zen 5)',
    };
  if (vendor === 'GenuineIntel' && avx512)
    return {
      microarchitecture: 'Intel with AVX-512',
      units: 2,
      lanes: 16,
      source:
        'assumed two 512-bit FMA units (Xeon Gold/Platinum); some Xeons have one (Intel optimization manual)',
    };
  if (flags.has('fma') && flags.has('avx2'))
    return {
      microarchitecture: `${vendor} family ${family} with AVX2/FMA`,
      units: 2,
      lanes: 8,
      source: 'assumed two 256-bit FMA units, as Haswell and later and Zen 2/3 have',
    };
  return {
    microarchitecture: `${vendor} family ${family} without FMA`,
    units: 1,
    lanes: 4,
    source: 'assumed one 128-bit multiply-add per cycle (no FMA flag)',
  };
}

const read = (run: () => string) => {
  try {
    return run();
  } catch {
    return '';
  }
};

export function cpuPeak(): CpuPeak {
  const lscpu = read(() => execFileSync('lscpu', [], { encoding: 'utf8' }));
  const cpuinfo = read(() => readFileSync('/proc/cpuinfo', 'utf8'));
  const vendor = field(lscpu, 'Vendor ID') ?? 'unknown';
  const family = Number(field(lscpu, 'CPU family') ?? NaN);
  const modelNumber = Number(field(lscpu, 'Model') ?? NaN);
  const logicalCpus = Number(field(lscpu, 'CPU\\(s\\)') ?? NaN);
  const threadsPerCore = Number(field(lscpu, 'Thread\\(s\\) per core') ?? 1);
  const physicalCores =
    Number(field(lscpu, 'Core\\(s\\) per socket') ?? NaN) *
      Number(field(lscpu, 'Socket\\(s\\)') ?? 1) || logicalCpus / threadsPerCore;
  const flags = new Set((field(lscpu, 'Flags') ?? '').split(/\s+/));
  const fma = fmaUnits(vendor, family, flags);
  // The highest clock the cores may run at is the peak's; a guest often sees only the TSC's.
  const maxMhz = Number(field(lscpu, 'CPU max MHz'));
  const lscpuMhz = Number(field(lscpu, 'CPU MHz'));
  const procMhz = Number(field(cpuinfo, 'cpu MHz\\s*'));
  const [mhz, mhzSource] =
    maxMhz > 0
      ? [maxMhz, 'lscpu "CPU max MHz"']
      : lscpuMhz > 0
        ? [lscpuMhz, 'lscpu "CPU MHz"']
        : [
            procMhz,
            '/proc/cpuinfo "cpu MHz" (lscpu shows no MHz in this KVM guest; the value is the TSC frequency the hypervisor reports, = BogoMIPS ÷ 2; boost clocks above it would raise the peak)',
          ];
  const ghz = mhz / 1000;
  const peakGflops = physicalCores * fma.units * fma.lanes * 2 * ghz;
  return {
    model: field(lscpu, 'Model name') ?? 'unknown',
    vendor,
    family,
    modelNumber,
    physicalCores,
    logicalCpus,
    avx2Fma: flags.has('avx2') && flags.has('fma'),
    avx512f: flags.has('avx512f'),
    microarchitecture: fma.microarchitecture,
    fmaUnitsPerCore: fma.units,
    fp32LanesPerUnit: fma.lanes,
    fmaSource: fma.source,
    mhz,
    mhzSource,
    peakGflops,
    peakGmacs: peakGflops / 2,
    derivation: `${physicalCores} cores × ${fma.units} FMA units × ${fma.lanes} fp32 lanes × 2 FLOPs × ${ghz.toFixed(3)} GHz = ${peakGflops.toFixed(1)} GFLOP/s = ${(peakGflops / 2).toFixed(1)} GMAC/s`,
  };
}
