// Provenance and the printed/written tables of analysis.bench.ts.
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import type { Batch, Stats } from './measured-runs';
import { stats } from './measured-runs';

export interface Provenance {
  date: string;
  gitSha: string;
  uncommittedChanges: boolean;
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  python: string;
  numpy: string;
  numpyThreadEnv: Record<string, string | null>;
}

function quietly(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

export function provenance(python: {
  python: string;
  numpy: string;
  threadEnv: Record<string, string | null>;
}): Provenance {
  const lscpuModel = quietly('lscpu', [])
    ?.split('\n')
    .find((line) => line.startsWith('Model name:'))
    ?.slice('Model name:'.length)
    .trim();
  return {
    date: new Date().toISOString(),
    gitSha: quietly('git', ['rev-parse', '--short', 'HEAD']) ?? 'unknown',
    uncommittedChanges: (quietly('git', ['status', '--porcelain']) ?? '') !== '',
    cpu: lscpuModel ?? cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    python: python.python,
    numpy: python.numpy,
    numpyThreadEnv: python.threadEnv,
  };
}

export interface Row extends Stats {
  id: string;
  side: 'numpy' | 'libs/cascade';
  measurement: string;
  /** Share of the machine others used in the kept batch(es), worst one. */
  foreign: number;
  /** Batches that had to be repeated because others disturbed them. */
  repeated: number;
  /** For rows over many pairs: how many pairs one run covers. */
  pairs?: number;
  projection?: boolean;
}

/** A row from measured batches: statistics over all their runs, the worst foreign share kept. */
export function row(
  id: string,
  side: Row['side'],
  measurement: string,
  batches: Batch[],
  pairs?: number,
): Row {
  return {
    id,
    side,
    measurement,
    ...stats(batches.flatMap((b) => b.ms)),
    foreign: Math.max(...batches.map((b) => b.foreign)),
    repeated: batches.reduce((sum, b) => sum + b.attempts - 1, 0),
    pairs,
  };
}

export interface Ratio {
  what: string;
  numpyMs: number;
  cascadeMs: number;
  ratio: number;
  goal?: number;
}

const fmt = (ms: number) =>
  ms >= 1000
    ? Math.round(ms).toLocaleString('en-US')
    : ms >= 10
      ? ms.toFixed(1)
      : ms.toFixed(ms >= 1 ? 2 : 3);

export function timingTable(rows: readonly Row[]): string {
  const lines = [
    '| measurement | side | runs | min ms | median ms | max ms | per pair ms (median) | others used (worst) |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const perPair = r.pairs ? fmt(r.medianMs / r.pairs) : '';
    const name = r.projection ? `${r.measurement} — **projection**` : r.measurement;
    const runs = r.projection ? '—' : String(r.runs);
    const cells = r.projection
      ? ['', fmt(r.medianMs), '']
      : r.runs === 1
        ? [fmt(r.minMs), '', '']
        : [fmt(r.minMs), fmt(r.medianMs), fmt(r.maxMs)];
    const foreign = r.projection
      ? ''
      : `${(r.foreign * 100).toFixed(0)} %${r.repeated ? ` (${r.repeated} repeated)` : ''}`;
    lines.push(
      `| ${name} | ${r.side} | ${runs} | ${cells.join(' | ')} | ${perPair} | ${foreign} |`,
    );
  }
  return lines.join('\n');
}

export function ratioTable(ratios: readonly Ratio[]): string {
  const lines = [
    '| comparison (medians) | numpy ms | libs/cascade ms | numpy ÷ libs/cascade | goal |',
    '| --- | ---: | ---: | ---: | --- |',
  ];
  for (const r of ratios) {
    const goal = r.goal === undefined ? '' : `≥ ${r.goal} ${r.ratio >= r.goal ? '✔' : '✘'}`;
    lines.push(
      `| ${r.what} | ${fmt(r.numpyMs)} | ${fmt(r.cascadeMs)} | ${r.ratio >= 100 ? r.ratio.toFixed(0) : r.ratio.toFixed(1)} | ${goal} |`,
    );
  }
  return lines.join('\n');
}
