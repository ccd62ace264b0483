// Checks and the markdown tables of bench/results/search-cost.md.
import { f0, f1, f2, stats, type provenance } from '../api/common';
import { IMAGES_PER_SHARD, type BenchConfig } from './config';
import { measureCosts, projectionMarkdown } from './projection';
import type { Accounting, SessionResult } from './sessions';
import type { SearchMeasurement } from './search-run';
import { PROBE_VARIANTS, type ProbePass } from './spin-probe';

export interface Check {
  readonly what: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** Pairs the search plans: each base with the savers strictly cheaper than it. */
export function pairCount(config: BenchConfig, withAdded = false): number {
  const savers = [...config.savers, ...(withAdded ? [config.added] : [])];
  return config.bases.reduce((n, b) => n + savers.filter((s) => s.macs < b.macs).length, 0);
}

export function checkCounts(config: BenchConfig, sessions: readonly SessionResult[]): Check[] {
  const checks: Check[] = [];
  const expect = (what: string, m: SearchMeasurement | undefined, want: number) => {
    if (!m) return;
    const ok =
      m.status === 'completed' &&
      m.failedJobs === 0 &&
      m.duplicatePasses === 0 &&
      m.passesExecuted === m.missingBefore &&
      m.passesExecuted === want &&
      m.recordsWritten === want;
    checks.push({
      what: `${what} (${m.searchId})`,
      ok,
      detail: `status ${m.status}, missing before ${m.missingBefore}, passes executed ${m.passesExecuted} (${m.duplicatePasses} duplicate), records written ${m.recordsWritten}, expected ${want}, failed jobs ${m.failedJobs}`,
    });
  };
  for (const s of sessions) {
    const shards = s.cold.shards;
    expect(`cold, ${s.layout.label}`, s.cold, config.involved.length * shards);
    expect('warm', s.warm, 0);
    expect(`add ${config.added.name}`, s.added, shards);
  }
  return checks;
}

const secs = (ms: number) => f1(ms / 1000);
const share = (x: number) => `${(x * 100).toFixed(0)} %`;
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const head = (cells: string[], right: boolean[]) =>
  `${row(cells)}\n|${right.map((r) => (r ? ' ---: |' : ' --- |')).join('')}`;

const TIME_COLUMNS = [
  'runs',
  'min s',
  'median s',
  'max s',
  'server stamps, median s',
  'passes',
  'images/s min / median / max',
  'others, max',
  'worker CPU s per 10,000 images',
];

function timeRow(label: string, runs: readonly SearchMeasurement[]): string {
  const wall = stats(runs.map((r) => r.wallMs));
  const server = stats(runs.map((r) => r.serverMs));
  const images = stats(runs.map((r) => (r.passesExecuted * IMAGES_PER_SHARD) / (r.wallMs / 1000)));
  return row([
    label,
    wall.runs,
    secs(wall.min),
    `**${secs(wall.median)}**`,
    secs(wall.max),
    secs(server.median),
    runs.map((r) => r.passesExecuted).join('/'),
    runs[0].passesExecuted ? `${f0(images.min)} / ${f0(images.median)} / ${f0(images.max)}` : '—',
    share(Math.max(...runs.map((r) => r.foreignShare))),
    workerCpuPerImages(runs),
  ]);
}

/** The workers' CPU (all their threads, from /proc) per 10,000 images computed, median. */
function workerCpuPerImages(runs: readonly SearchMeasurement[]): string {
  const perRun = runs
    .filter((r) => r.passesExecuted)
    .map((r) => {
      const cores = Object.entries(r.cores)
        .filter(([name]) => name.startsWith('worker'))
        .reduce((n, [, c]) => n + c, 0);
      return ((cores * r.wallMs) / 1000 / (r.passesExecuted * IMAGES_PER_SHARD)) * 10_000;
    });
  return perRun.length ? f2(stats(perRun).median) : '—';
}

export interface ResultDocument {
  readonly provenance: ReturnType<typeof provenance> & {
    onnxruntime: string;
  };
  readonly config: { searchPollMs: number; foreignLimit: number };
  readonly benchSeconds: number;
  readonly checks: readonly Check[];
  readonly sessions: readonly SessionResult[];
  readonly spinProbe?: { readonly model: string; readonly passes: readonly ProbePass[] };
  readonly accounting?: Accounting;
}

export function renderMarkdown(doc: ResultDocument, config: BenchConfig): string {
  const p = doc.provenance;
  const first = doc.sessions.filter((s) => s.warm);
  const cold = first.map((s) => s.cold);
  const shards = doc.sessions[0]?.cold.shards ?? 0;
  const out: string[] = [
    '# Search cost (`bench/search-cost.bench.ts`)',
    '',
    `${p.date.slice(0, 10)} · ${p.cpu}, ${p.cores} cores, ${p.memoryGiB} GiB · Node ${p.node} · onnxruntime-node ${p.onnxruntime} · bullmq ${p.bullmq} · Redis ${p.redis} · git ${p.gitSha}${p.gitDirty ? ' (uncommitted changes)' : ''} · bench ${f0(doc.benchSeconds)} s`,
    '',
    `Search: bases ${config.bases.map((m) => `${m.name} (${f0(m.macs)} MACs)`).join(', ')}; savers ${config.savers.map((m) => `${m.name} (${f0(m.macs)})`).join(', ')}; added to the finished search: ${config.added.name} (${f0(config.added.macs)}). Selection and evaluation, ${shards} shards × ${f0(IMAGES_PER_SHARD)} images. SEARCH_POLL_MS ${doc.config.searchPollMs}, 200 bootstrap replicates (default).`,
    '',
    '## Model passes executed',
    '',
    head(
      [
        'search',
        'models × shards',
        'records missing before',
        'passes executed (Σ records jobs)',
        'records written',
        'records jobs (of them computed nothing)',
        'pairs',
        'a per-pair design: pairs × shards',
        'check',
      ],
      [false, true, true, true, true, true, true, true, false],
    ),
  ];
  for (const s of first) {
    for (const [label, m, pairs, models] of [
      ['cold', s.cold, pairCount(config), config.involved.length],
      ['warm (resubmitted)', s.warm!, pairCount(config), config.involved.length],
      [`+ ${config.added.name}`, s.added!, pairCount(config, true), config.involved.length + 1],
    ] as const)
      out.push(
        row([
          label,
          `${models} × ${m.shards} = ${models * m.shards}`,
          m.missingBefore,
          `**${m.passesExecuted}**`,
          m.recordsWritten,
          `${m.recordsJobs.length} (${m.recordsJobs.filter((j) => !j.computed.length).length})`,
          pairs,
          pairs * m.shards,
          doc.checks.find((c) => c.what.endsWith(`(${m.searchId})`))?.ok ? '✔' : '✘',
        ]),
      );
  }
  out.push(
    '',
    '## Wall time, submit → completed (1 process × 1 compute thread × 2 onnxruntime threads)',
    '',
    head(['search', ...TIME_COLUMNS], [false, ...TIME_COLUMNS.map(() => true)]),
  );
  if (first.length) {
    out.push(timeRow('cold (no records)', cold));
    out.push(
      timeRow(
        'warm (all records cached)',
        first.map((s) => s.warm!),
      ),
    );
    out.push(
      timeRow(
        `add one saver (${config.added.name}) to the finished search`,
        first.map((s) => s.added!),
      ),
    );
  }
  out.push(
    '',
    '## Scaling: the cold search per worker layout (2 cores)',
    '',
    head(['layout', ...TIME_COLUMNS], [false, ...TIME_COLUMNS.map(() => true)]),
  );
  for (const layout of config.layouts) {
    const runs = doc.sessions.filter((s) => s.layout === layout).map((s) => s.cold);
    if (runs.length) out.push(timeRow(layout.label, runs));
  }
  out.push('', othersLine(doc.sessions, doc.config.foreignLimit));
  if (doc.spinProbe) out.push('', ...probeTable(doc.spinProbe.model, doc.spinProbe.passes));
  out.push('', ...inferenceTable(cold, config));
  const windows = doc.accounting?.windows ?? [];
  const costs = measureCosts(windows, cold);
  if (costs) out.push('', ...projectionMarkdown(costs, windows, doc.accounting?.redisBenchmark));
  out.push(
    '',
    '## Checks',
    '',
    ...doc.checks.map((c) => `- ${c.ok ? '✔' : '✘'} ${c.what}: ${c.detail}`),
  );
  return `${out.join('\n')}\n`;
}

/** Per model, inference alone inside the cold records jobs (the worker's inferMs). */
function inferenceTable(cold: readonly SearchMeasurement[], config: BenchConfig): string[] {
  if (!cold.length) return [];
  const lines = [
    '## Inference per model in the cold searches (1 × 1 × 2 layout; the records jobs’ inferMs)',
    '',
    head(
      ['model', 'MACs', 'inferMs per shard, median', 'images/s (inference only)'],
      [false, true, true, true],
    ),
  ];
  for (const model of config.involved) {
    const ms = cold.flatMap((r) =>
      r.recordsJobs.flatMap((j) =>
        j.computed.filter((c) => c.model === model.name).map((c) => c.inferMs),
      ),
    );
    if (!ms.length) continue;
    const median = stats(ms).median;
    lines.push(
      row([model.name, f0(model.macs), f1(median), f0((IMAGES_PER_SHARD * 1000) / median)]),
    );
  }
  return lines;
}

function probeTable(model: string, passes: readonly ProbePass[]): string[] {
  const lines = [
    `### onnxruntime alone on ${model} (this process, batch 64, passes interleaved)`,
    '',
    head(
      ['session', 'passes', 'images/s min', 'median', 'max', 'others, max'],
      [false, true, true, true, true, true],
    ),
  ];
  for (const variant of PROBE_VARIANTS) {
    const mine = passes.filter((p) => p.variant === variant.label);
    if (!mine.length) continue;
    const rate = stats(mine.map((p) => p.imagesPerSecond));
    lines.push(
      row([
        variant.label,
        rate.runs,
        f0(rate.min),
        `**${f0(rate.median)}**`,
        f0(rate.max),
        share(Math.max(...mine.map((p) => p.foreignShare))),
      ]),
    );
  }
  return lines;
}

/** What other sessions ran during the kept searches: the busiest processes, at their peak. */
function othersLine(sessions: readonly SessionResult[], limit?: number): string {
  const peak = new Map<string, number>();
  const runs = sessions.flatMap((s) => [s.cold, s.warm, s.added].filter((m) => m !== undefined));
  for (const m of runs)
    for (const p of m.topOthers) {
      // The script a process runs names it better than its interpreter and loader flags.
      const tokens = p.command.split(' ');
      const script = tokens.find((t) => /\.(ts|js|py)$/.test(t) && !/preflight|loader/.test(t));
      const name =
        (script ?? tokens.slice(0, 3).join(' ')).replace('/work/main/', '') || `pid ${p.pid}`;
      peak.set(name, Math.max(peak.get(name) ?? 0, p.cores));
    }
  const top = [...peak.entries()].sort(([, a], [, b]) => b - a).slice(0, 5);
  const repeated = sessions.reduce((n, s) => n + s.disturbedTries.length, 0);
  return `Others (other sessions on this machine) used up to ${share(Math.max(...runs.map((m) => m.foreignShare)))} of it during the kept searches; ${repeated} disturbed session(s) were run again on a fresh farm (the least disturbed try is kept; ${sessions.filter((s) => s.disturbed).length} of the ${sessions.length} kept sessions still had others above the limit${limit === undefined ? '' : ` of ${share(limit)}`}). Busiest others, peak cores: ${top.map(([c, v]) => `\`${c}\` ${f1(v)}`).join(', ')}.`;
}
