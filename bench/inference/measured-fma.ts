// The FMA throughput this machine actually gives (bench/inference/fma_peak.c, compiled with the
// system gcc into a temporary folder): a cross-check of the peak derived from lscpu, whose clock
// in a KVM guest is the TSC's, not the boost clock the cores run at. Skipped without gcc.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CpuPeak } from './cpu-peak';

export interface MeasuredFma {
  readonly threads: number;
  /** Vector width in bits: 256 (AVX2) or 512 (AVX-512F). */
  readonly width: number;
  /** fp32 FMAs (= MACs) per second, all threads. */
  readonly gmacs: number;
  /** The clock at which the derived FMA units would give this: gmacs ÷ (threads × units × lanes). */
  readonly impliedGhz: number;
}

export interface FmaMeasurement {
  readonly runs: MeasuredFma[];
  /**
   * Share of the machine the loop's own process used while measured: it has exited before
   * /proc could count it as ours, so the quiet check must not count it as others'.
   */
  readonly busyShare: number;
}

export function measureFma(peak: CpuPeak, seconds = 2): FmaMeasurement | undefined {
  if (!peak.avx2Fma) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'tinysaver-fma-'));
  try {
    const binary = join(dir, 'fma_peak');
    try {
      execFileSync(
        'gcc',
        ['-O3', '-mavx2', '-mfma', '-pthread', join(__dirname, 'fma_peak.c'), '-o', binary],
        {
          stdio: 'pipe',
        },
      );
    } catch {
      return undefined;
    }
    const widths = peak.avx512f ? [256, 512] : [256];
    const runs: MeasuredFma[] = [];
    const started = performance.now();
    let busySeconds = 0;
    for (const threads of [1, peak.physicalCores])
      for (const width of widths) {
        const out = execFileSync(binary, [String(threads), String(width), String(seconds)], {
          encoding: 'utf8',
        });
        const result = JSON.parse(out) as { fmaPerSecond: number; seconds: number };
        const fmaPerSecond = result.fmaPerSecond;
        busySeconds += threads * result.seconds;
        runs.push({
          threads,
          width,
          gmacs: fmaPerSecond / 1e9,
          impliedGhz: fmaPerSecond / 1e9 / (threads * peak.fmaUnitsPerCore * peak.fp32LanesPerUnit),
        });
      }
    const wallSeconds = (performance.now() - started) / 1000;
    return { runs, busyShare: busySeconds / (wallSeconds * peak.logicalCpus) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
