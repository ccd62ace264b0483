// Forked by aggregation.bench.ts, one process per measurement so that each peak RSS is its own:
// times aggregateSearch (the built worker's apps/worker/dist/jobs/search-results.js, the code the
// aggregation thread runs) end to end, or its phases, against the s3rver process the parent
// started. One warm-up, then RUNS timed runs, a full GC before each. Replies with one message.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  buildSearchReport,
  canonicalPreprocess,
  type SearchReportInput,
  type SplitOutcomes,
} from '@tinysaver/cascade';
import { searchSplits, type SearchResultsDocument, type SearchSpec } from '@tinysaver/contracts';
import {
  createS3Client,
  FarmLayout,
  loadSplitOutcomes,
  mapLimit,
  type ReadObject,
} from '@tinysaver/storage';
import { S3RVER_CREDENTIALS } from '@tinysaver/storage/testing';
import { cpuWindow, processCpuMs, WORKER_DIST } from './common';
import { syntheticShape, syntheticSpec } from './synthetic-search';

/** The slice of apps/worker/dist/jobs/search-results.js used here. */
interface SearchResultsModule {
  aggregateSearch(
    spec: SearchSpec,
    read: ReadObject,
    layout: FarmLayout,
    options: { bootstrapReplicates: number; records: { needed: number; reused: number } },
  ): Promise<SearchResultsDocument>;
}

export type MeasureKind = 'e2e' | 'phases';

export interface RunTiming {
  /** Cores other processes (not this one, its parent or s3rver) used during the run. */
  othersCores: number;
  wallMs: number;
  /** This process's CPU (all its threads). */
  cpuMs: number;
  /** The s3rver process's CPU during the run (serving the records). */
  s3CpuMs: number;
}

export interface MeasureReply {
  kind: MeasureKind;
  bootstrapReplicates: number;
  runs: Record<string, RunTiming[]>;
  warmup: Record<string, RunTiming>;
  /** RSS after loading the modules, before any run (MiB). */
  rssBeforeMiB: number;
  /** process.resourceUsage().maxRSS at the end (MiB): the peak over warm-up and runs. */
  peakRssMiB: number;
  /** sha256 of JSON.stringify(results.bases) (e2e), to compare with the worker's results.json. */
  basesSha256?: string;
  bases?: number;
  samples?: { selection: number; evaluation: number };
  /** Records fetched per run and their bytes. */
  records?: { count: number; bytes: number };
}

/** Before each run, wait for other processes to use at most this many cores … */
const MAX_OTHERS = Number(process.env.BENCH_API_MAX_OTHERS ?? 0.2);
/** … but at most this long in all (ms), per measuring process. */
const QUIET_BUDGET_MS = Number(process.env.BENCH_API_QUIET_BUDGET_S ?? 120) * 1000;

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

async function main(): Promise<MeasureReply> {
  const kind = process.env.BENCH_MEASURE as MeasureKind;
  const bootstrapReplicates = Number(process.env.BENCH_BOOTSTRAP ?? 200);
  const runsWanted = Number(process.env.BENCH_RUNS ?? 3);
  const bucket = process.env.BENCH_S3_BUCKET!;
  const s3Pid = Number(process.env.BENCH_S3_PID);
  const client = createS3Client({
    endpoint: process.env.BENCH_S3_ENDPOINT!,
    region: 'us-east-1',
    credentials: S3RVER_CREDENTIALS,
  });
  let fetched = 0;
  let fetchedBytes = 0;
  const read: ReadObject = async (key) => {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = await out.Body!.transformToByteArray();
    fetched++;
    fetchedBytes += bytes.length;
    return bytes;
  };
  const layout = new FarmLayout('farm');
  const spec = syntheticSpec(syntheticShape(), bucket, 'bench', 's-bench-aggregation');
  const results = createRequire(__filename)(
    join(WORKER_DIST, 'jobs', 'search-results.js'),
  ) as SearchResultsModule;
  const aggregateSearch: SearchResultsModule['aggregateSearch'] = (...args) =>
    results.aggregateSearch(...args);

  const ours = { self: process.pid, parent: process.ppid, s3rver: s3Pid };
  let quietBudgetMs = QUIET_BUDGET_MS;
  /** Waits (1 s samples) until others use at most MAX_OTHERS cores; QUIET_BUDGET_MS in all. */
  const waitQuiet = async () => {
    while (quietBudgetMs > 0) {
      const stop = cpuWindow(ours);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      quietBudgetMs -= 1000;
      if (stop().othersCores <= MAX_OTHERS) return;
    }
  };
  const timed = async <T>(fn: () => Promise<T> | T): Promise<{ value: T; timing: RunTiming }> => {
    await waitQuiet();
    gc();
    const others = cpuWindow(ours);
    const s3Before = processCpuMs(s3Pid) ?? 0;
    const cpu = process.cpuUsage();
    const start = performance.now();
    const value = await fn();
    const wallMs = performance.now() - start;
    const used = process.cpuUsage(cpu);
    return {
      value,
      timing: {
        othersCores: others().othersCores,
        wallMs,
        cpuMs: (used.user + used.system) / 1000,
        s3CpuMs: (processCpuMs(s3Pid) ?? 0) - s3Before,
      },
    };
  };
  const runs: Record<string, RunTiming[]> = {};
  const warmup: Record<string, RunTiming> = {};
  const measure = async <T>(label: string, fn: () => Promise<T> | T): Promise<T> => {
    const first = await timed(fn);
    warmup[label] = first.timing;
    runs[label] = [];
    let last = first.value;
    for (let r = 0; r < runsWanted; r++) {
      const run = await timed(fn);
      runs[label].push(run.timing);
      last = run.value;
      console.log(
        `    ${label} ${r + 1}/${runsWanted}: ${run.timing.wallMs.toFixed(0)} ms wall, ${run.timing.cpuMs.toFixed(0)} ms CPU, others ${run.timing.othersCores.toFixed(2)} cores`,
      );
    }
    return last;
  };

  gc();
  const rssBeforeMiB = process.memoryUsage().rss / 2 ** 20;
  const reply: MeasureReply = {
    kind,
    bootstrapReplicates,
    runs,
    warmup,
    rssBeforeMiB,
    peakRssMiB: 0,
  };
  const splits = searchSplits(spec);
  const sources = spec.models.map((m) => ({
    name: m.name,
    sha256: m.sha256,
    preprocess: canonicalPreprocess(m.preprocess),
    macs: m.macs,
  }));

  if (kind === 'e2e') {
    const results = await measure('aggregateSearch', () =>
      aggregateSearch(spec, read, layout, {
        bootstrapReplicates,
        records: { needed: 0, reused: 0 },
      }),
    );
    reply.basesSha256 = createHash('sha256').update(JSON.stringify(results.bases)).digest('hex');
    reply.bases = results.bases.length;
    reply.samples = {
      selection: results.selection.samples,
      evaluation: results.evaluation.samples,
    };
  } else {
    // Fetch only: the same GETs, with the same concurrency as loadSplitOutcomes (4 models × 8 shards
    // per split, both splits at once), bytes discarded.
    await measure('fetch', async () => {
      await Promise.all(
        splits.map((split) =>
          mapLimit(sources, 4, (model) =>
            mapLimit(split.shards, 8, (shard) =>
              read(
                layout.recordKey({
                  modelSha256: model.sha256,
                  preprocess: model.preprocess,
                  shardEtag: shard.etag,
                }),
              ).then((b) => b.length),
            ),
          ),
        ),
      );
    });
    // Loading outcomes: what aggregateSearch does before the report (fetch, decode, merge the
    // shards, align to the first model's sample order, prepare outcomes), both splits at once.
    let outcomes = new Map<string, SplitOutcomes>();
    const before = fetched;
    const beforeBytes = fetchedBytes;
    await measure('loadOutcomes', async () => {
      outcomes = new Map();
      const loaded = await Promise.all(
        splits.map((split) => loadSplitOutcomes(read, layout, sources, split)),
      );
      outcomes = new Map(
        spec.models.map((m) => [
          m.name,
          { selection: loaded[0].get(m.name)!, evaluation: loaded[loaded.length - 1].get(m.name)! },
        ]),
      );
    });
    reply.records = {
      count: (fetched - before) / (runsWanted + 1),
      bytes: (fetchedBytes - beforeBytes) / (runsWanted + 1),
    };
    const input = (replicates: number): SearchReportInput => ({
      bases: spec.plan.map((p) => ({ name: p.base, savers: p.savers })),
      outcomes,
      budgets: spec.request.budgets,
      topK: spec.request.topK,
      chains: spec.request.chains,
      bootstrap: replicates >= 2 ? { replicates, seed: 1, level: 0.95 } : false,
    });
    await measure(`buildSearchReport:${bootstrapReplicates}`, () =>
      buildSearchReport(input(bootstrapReplicates)),
    );
    await measure('buildSearchReport:0', () => buildSearchReport(input(0)));
  }
  client.destroy();
  reply.peakRssMiB = process.resourceUsage().maxRSS / 1024;
  return reply;
}

main().then(
  (reply) => {
    process.send!(reply, () => process.exit(0));
  },
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
