// One batch size's cells: the built worker started with WORKER_BATCH_SIZE = batch (its batch size
// is read at start), then per model RUNS rounds of limit pass → farm job → peer pass, so the
// three paths meet the same background load on this shared machine.
import type { RecordsJob, RecordsJobResult } from '@tinysaver/contracts';
import { startBenchFarm, type BenchFarm } from '../worker/farm';
import type { BenchModel } from './bench-models';
import { LIMIT_SESSION_OPTIONS, openLimitSession, type LimitPass } from './limit-session';
import type { BenchOptions } from './options';
import type { Measured, QuietRuns } from './quiet-runs';
import { rate } from './stats';
import type { PeerPass, TorchPeer } from './torch-peer';

export interface ShardInput {
  /** The shard's id in jobs (its file name), the local file the peer reads, its bytes. */
  readonly id: string;
  readonly dataset: string;
  readonly file: string;
  readonly bytes: Buffer;
  readonly images: number;
}

/** What one records job reports about itself. */
export interface FarmJob {
  readonly samples: number;
  readonly decodedImages: number;
  /** Job's own wall: S3 download → decode → inference → record written. */
  readonly wallMs: number;
  /** BullMQ's stamps: queue.add → completed. */
  readonly enqueueToDoneMs: number;
  readonly downloadMs: number;
  readonly decodeWaitMs: number;
  readonly computeMs: number;
  readonly inferMs: number;
}

export interface PeerCell {
  /** DataLoader num_workers. */
  readonly workers: number;
  readonly warmMs: number;
  readonly runs: Measured<PeerPass>[];
}

export interface Cell {
  readonly model: string;
  readonly batch: number;
  /** Images of a limit pass and of a farm job (the whole shard). */
  readonly images: number;
  /** Images of a peer pass (the first N of the same shard; 0: not measured). */
  readonly peerImages: number;
  readonly limit: Measured<LimitPass>[];
  /** The first job of a model after the worker started: model download, session opening. */
  readonly farmCold: FarmJob;
  readonly farm: Measured<FarmJob>[];
  readonly peer: PeerCell[];
}

export interface BatchContext {
  readonly options: BenchOptions;
  readonly models: readonly BenchModel[];
  readonly shards: Record<BenchModel['shard'], ShardInput>;
  readonly peer: TorchPeer;
  readonly quiet: QuietRuns;
  /** The farm running now (for the quiet check's pid list). */
  setFarm(farm: BenchFarm | undefined): void;
}

function farmJob(result: RecordsJobResult, enqueueToDoneMs: number, model: string): FarmJob {
  const computed = result.computed.find((c) => c.model === model);
  if (!computed || result.computed.length !== 1)
    throw new Error(
      `the job computed ${result.computed.length} record(s) (reused ${result.reused.length}); records were not deleted between runs`,
    );
  return {
    samples: result.samples,
    decodedImages: result.decodedImages,
    wallMs: result.timings.wallMs,
    enqueueToDoneMs,
    downloadMs: result.timings.downloadMs,
    decodeWaitMs: result.timings.decodeWaitMs,
    computeMs: result.timings.computeMs,
    inferMs: computed.inferMs,
  };
}

const f1 = (n: number) => n.toFixed(1);
const pct = (n: number) => `${(n * 100).toFixed(0)} %`;

export async function runBatch(batch: number, ctx: BatchContext): Promise<Cell[]> {
  const { options, models, shards, peer, quiet } = ctx;
  console.log(`\nbatch ${batch}: starting s3rver and the worker (WORKER_BATCH_SIZE=${batch}) …`);
  const farm = await startBenchFarm(options.redisUrl, {
    WORKER_CONCURRENCY: '1',
    ORT_INTRA_OP_THREADS: String(LIMIT_SESSION_OPTIONS.intraOpNumThreads),
    WORKER_BATCH_SIZE: String(batch),
    // An A/B of the worker's spinning default: ORT_SPINNING=true npm run bench:inference.
    ...(process.env.ORT_SPINNING ? { ORT_SPINNING: process.env.ORT_SPINNING } : {}),
  });
  ctx.setFarm(farm);
  const cells: Cell[] = [];
  try {
    const refs = await farm.uploadModels(models);
    const shardRefs = new Map<string, { key: string; etag: string }>();
    for (const s of Object.values(shards)) {
      const key = `uploads/datasets/${s.dataset}/${s.id}`;
      shardRefs.set(s.id, { key, etag: await farm.put(key, s.bytes) });
    }
    for (const m of models) {
      const shard = shards[m.shard];
      const ref = shardRefs.get(shard.id)!;
      const job: RecordsJob = {
        v: 1,
        dataset: { name: shard.dataset },
        shard: { id: shard.id, object: { bucket: farm.bucket, key: ref.key }, etag: ref.etag },
        models: [refs.get(m.name)!],
      };
      // Generous: a job at a twentieth of the limit still finishes.
      const timeoutMs = 120_000 + shard.images * 2_000;
      const once = async () => {
        const done = await farm.records(job, timeoutMs);
        await farm.forget(done.result);
        return farmJob(done.result, done.enqueueToDoneMs, m.name);
      };
      const peerImages = options.peerImages(m.name, batch, shard.images);
      const limit = await openLimitSession(m, shard.images, batch);
      await peer.load(m, shard.file);
      // One forward of at most 8 images: a full batch of convnext_tiny would cost as much as a pass,
      // and oneDNN's per-shape set-up is milliseconds against passes of seconds.
      const warmMs = peerImages > 0 ? (await peer.warm(Math.min(batch, peerImages, 8))).ms : 0;
      const cell: Cell = {
        model: m.name,
        batch,
        images: shard.images,
        peerImages,
        limit: [],
        farmCold: await once(),
        farm: [],
        peer: options.peerWorkers.map((workers) => ({ workers, warmMs, runs: [] })),
      };
      for (let r = 1; r <= options.runs; r++) {
        const label = `${m.name} batch ${batch} run ${r}/${options.runs}`;
        const l = await quiet.measure(`${label} limit`, () => limit.pass());
        cell.limit.push(l);
        const f = await quiet.measure(`${label} farm`, once);
        cell.farm.push(f);
        let line = `  ${label}: limit ${f1(rate(shard.images, l.value.ms))}, farm ${f1(rate(f.value.samples, f.value.wallMs))}`;
        for (const p of cell.peer) {
          if (peerImages === 0) continue;
          const cores = ctx.options.cores;
          const run = await quiet.measure(
            `${label} peer (${p.workers} workers)`,
            () => peer.pass(peerImages, batch, p.workers),
            // DataLoader workers are reaped before /proc could count them as the peer's.
            (v) => v.childCpuMs / (v.ms * cores),
          );
          p.runs.push(run);
          line += `, peer (${p.workers} workers, ${run.value.images} images) ${f1(rate(run.value.images, run.value.ms))}`;
        }
        const worst = Math.max(
          f.foreign,
          l.foreign,
          ...cell.peer.map((p) => p.runs.at(-1)?.foreign ?? 0),
        );
        console.log(`${line} images/s; others ≤ ${pct(worst)}`);
      }
      await limit.close();
      cells.push(cell);
    }
  } catch (error) {
    console.error(farm.workerLines.slice(-30).join('\n'));
    throw error;
  } finally {
    ctx.setFarm(undefined);
    await farm.stop();
  }
  return cells;
}
