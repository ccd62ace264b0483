import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers/promises';
import {
  canonicalPreprocess,
  correctCount,
  encodeRecord,
  type ModelRecord,
} from '@tinysaver/cascade';
import {
  JobFailureCode,
  RECORD_TOP_K,
  type ProfiledModelRef,
  type RecordsJob,
  type RecordsJobResult,
} from '@tinysaver/contracts';
import { formatS3Uri } from '@tinysaver/storage';
import type { RunGroup } from '../compute/compute-protocol';
import { ONNXRUNTIME_VERSION } from '../compute/runtime-version';
import { withLoopDelay } from './event-loop-watch';
import type { JobContext, Progress } from './job-context';
import { JobFailure } from './job-failure';
import { labelOutsideModel, readShardSamples } from './shard-samples';

/**
 * (shard, models) → one record per model under its content key. Existing records are reused,
 * the shard is downloaded once and decoded once per distinct preprocessing, and every record is
 * checked before any is written, so a bad sample never leaves some models' records behind.
 */
export async function processRecords(
  ctx: JobContext,
  job: RecordsJob,
  progress: Progress,
): Promise<RecordsJobResult> {
  const started = performance.now();
  const { value, maxDelayMs } = await withLoopDelay(() => compute(ctx, job, progress));
  return {
    ...value,
    timings: {
      ...value.timings,
      wallMs: performance.now() - started,
      maxEventLoopDelayMs: maxDelayMs,
    },
  };
}

async function compute(
  ctx: JobContext,
  job: RecordsJob,
  progress: Progress,
): Promise<RecordsJobResult> {
  const { store, layout, pool, config } = ctx;
  const shardUri = formatS3Uri(job.shard.object.bucket, job.shard.object.key);
  const keyed = job.models.map((model) => ({
    model,
    key: layout.recordKey({
      modelSha256: model.sha256,
      preprocess: canonicalPreprocess(model.preprocess),
      shardEtag: job.shard.etag,
    }),
  }));
  const exists = await Promise.all(keyed.map(({ key }) => store.exists(key)));
  const reused = keyed.filter((_, i) => exists[i]);
  const missing = keyed.filter((_, i) => !exists[i]);
  const reusedOut = reused.map(({ model, key }) => ({
    model: model.name,
    sha256: model.sha256,
    key,
  }));
  if (missing.length === 0)
    return {
      shard: job.shard.id,
      samples: 0,
      decodedImages: 0,
      computed: [],
      reused: reusedOut,
      timings: { downloadMs: 0, decodeWaitMs: 0, computeMs: 0, wallMs: 0, maxEventLoopDelayMs: 0 },
    };

  const t0 = performance.now();
  const [bytes, ...files] = await Promise.all([
    store.read(job.shard.object, {
      ifMatch: job.shard.etag,
      maxBytes: config.maxShardBytes,
      what: 'shard',
    }),
    ...missing.map(({ model }) => ctx.models.fetch(model)),
  ]);
  const downloadMs = performance.now() - t0;
  const samples = await readShardSamples(bytes, shardUri);

  const groups = groupByPreprocess(missing.map(({ model }, i) => ({ model, file: files[i] })));
  const t1 = performance.now();
  const run = await pool.run(
    {
      kind: 'run',
      source: shardUri,
      keys: samples.keys,
      images: samples.images,
      extensions: samples.extensions,
      groups,
      k: RECORD_TOP_K,
      batchSize: config.batchSize,
    },
    progress,
  );
  const computeMs = performance.now() - t1;

  const outputs = new Map(run.outputs.map((o) => [o.sha256, o]));
  const records = missing.map(({ model, key }) => {
    const output = outputs.get(model.sha256)!;
    checkClasses(model, output.numClasses, shardUri);
    const outside = labelOutsideModel(samples, shardUri, model.name, output.numClasses);
    if (outside) throw outside;
    const record: ModelRecord = {
      model: { sha256: model.sha256, name: model.name },
      dataset: job.dataset.name,
      shards: [{ id: job.shard.id, etag: job.shard.etag, count: samples.keys.length }],
      numClasses: output.numClasses,
      k: RECORD_TOP_K,
      macsPerSample: model.macs,
      keys: samples.keys,
      labels: samples.labels,
      topClasses: output.topClasses,
      topProbs: output.topProbs,
      // Only facts that do not vary between runs: a retried job must write identical bytes.
      provenance: {
        preprocess: canonicalPreprocess(model.preprocess),
        executionProvider: output.provider,
        // Sample count and correct count are in the record itself; MACs spent completes the
        // shard's partial totals (it merges by addition, like the counts).
        macsSpent: samples.keys.length * model.macs,
        runtime: `onnxruntime-node ${ONNXRUNTIME_VERSION}`,
        shardObject: shardUri,
      },
    };
    return { model, key, record, output };
  });
  // Encode all before writing any: an encoding problem leaves nothing behind. One record per
  // turn of the event loop (~10 ms each at 2,500 samples), so lock renewal is never held up.
  const encoded = [];
  for (const r of records) {
    encoded.push({ ...r, bytes: encodeRecord(r.record) });
    await setImmediate();
  }
  for (const { key, bytes: recordBytes } of encoded)
    await store.write(key, recordBytes, 'application/vnd.tinysaver.record');

  return {
    shard: job.shard.id,
    samples: samples.keys.length,
    decodedImages: run.decodedImages,
    computed: encoded.map(({ model, key, record, output }) => ({
      model: model.name,
      sha256: model.sha256,
      key,
      samples: record.keys.length,
      correct: correctCount(record),
      macsSpent: record.keys.length * model.macs,
      executionProvider: output.provider,
      inferMs: output.inferMs,
    })),
    reused: reusedOut,
    timings: {
      downloadMs,
      decodeWaitMs: run.decodeWaitMs,
      computeMs,
      wallMs: 0,
      maxEventLoopDelayMs: 0,
    },
  };
}

function groupByPreprocess(
  models: readonly { model: ProfiledModelRef; file: RunGroup['models'][number] }[],
): RunGroup[] {
  const groups = new Map<
    string,
    { preprocess: ProfiledModelRef['preprocess']; models: RunGroup['models'][number][] }
  >();
  for (const { model, file } of models) {
    const text = canonicalPreprocess(model.preprocess);
    const group = groups.get(text) ?? { preprocess: model.preprocess, models: [] };
    group.models.push(file);
    groups.set(text, group);
  }
  return [...groups.values()];
}

function checkClasses(model: ProfiledModelRef, actual: number, shard: string): void {
  if (actual !== model.numClasses)
    throw new JobFailure(
      JobFailureCode.ModelOutputShape,
      `model '${model.name}' (sha256 ${model.sha256}) returned ${actual} classes on shard '${shard}', but its profile says ${model.numClasses}; profile the model again.`,
    );
}
