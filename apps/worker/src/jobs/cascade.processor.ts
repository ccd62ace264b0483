import { performance } from 'node:perf_hooks';
import type {
  CascadeJob,
  CascadeShardDocument,
  CascadeStage,
  ProfiledModelRef,
} from '@tinysaver/contracts';
import { formatS3Uri } from '@tinysaver/storage';
import type { ModelOutput, RunResult } from '../compute/compute-protocol';
import type { JobContext, Progress } from './job-context';
import { labelOutsideModel, readShardSamples, type ShardSamples } from './shard-samples';

/**
 * A real gated cascade on one shard, as a deployment runs it: the saver on every sample, the base
 * only on samples whose saver confidence is ≤ threshold (each stage decodes its own input, as two
 * independent services would). Optionally the base alone on everything, for the speed-up.
 */
export async function processCascade(
  ctx: JobContext,
  job: CascadeJob,
  progress: Progress,
): Promise<CascadeShardDocument> {
  const shardUri = formatS3Uri(job.shard.object.bucket, job.shard.object.key);
  const [bytes, saverFile, baseFile] = await Promise.all([
    ctx.store.read(job.shard.object, {
      ifMatch: job.shard.etag,
      maxBytes: ctx.config.maxShardBytes,
      what: 'shard',
    }),
    ctx.models.fetch(job.saver),
    ctx.models.fetch(job.base),
  ]);
  const samples = await readShardSamples(bytes, shardUri);
  const stages = job.baseline ? 3 : 2;

  const stage = async (
    model: ProfiledModelRef,
    file: typeof saverFile,
    pick: number[],
    index: number,
  ) => {
    const t0 = performance.now();
    const result = await ctx.pool.run(
      {
        kind: 'run',
        source: shardUri,
        keys: pick.map((i) => samples.keys[i]),
        images: pick.map((i) => samples.images[i]),
        extensions: pick.map((i) => samples.extensions[i]),
        groups: [{ preprocess: model.preprocess, models: [file] }],
        k: 1,
        batchSize: ctx.config.batchSize,
      },
      (done) => progress((index + done) / stages),
    );
    return { result, wallMs: performance.now() - t0 };
  };

  const all = samples.keys.map((_, i) => i);
  const saver = await stage(job.saver, saverFile, all, 0);
  const saverOut = only(saver.result);
  checkLabels(samples, shardUri, job.saver, saverOut);
  // METHOD §1: exit iff the float32 confidence is strictly above the threshold.
  const exited = all.filter((i) => saverOut.topProbs[i] > job.threshold);
  const rest = all.filter((i) => !(saverOut.topProbs[i] > job.threshold));
  const base = rest.length > 0 ? await stage(job.base, baseFile, rest, 1) : undefined;
  const baseOut = base ? only(base.result) : undefined;
  if (baseOut) checkLabels(samples, shardUri, job.base, baseOut);
  const baseline = job.baseline ? await stage(job.base, baseFile, all, 2) : undefined;
  const baselineOut = baseline ? only(baseline.result) : undefined;
  if (baselineOut) checkLabels(samples, shardUri, job.base, baselineOut);

  const hits = (out: ModelOutput | undefined, pick: number[]) =>
    out
      ? pick.reduce((sum, i, j) => sum + (out.topClasses[j] === samples.labels[i] ? 1 : 0), 0)
      : 0;
  const saverCorrectOnExits = exited.reduce(
    (sum, i) => sum + (saverOut.topClasses[i] === samples.labels[i] ? 1 : 0),
    0,
  );
  const saverStage: CascadeStage = {
    model: job.saver.name,
    samples: all.length,
    correct: hits(saverOut, all),
    macs: all.length * job.saver.macs,
    wallMs: saver.wallMs,
    executionProvider: saverOut.provider,
  };
  const baseStage: CascadeStage = {
    model: job.base.name,
    samples: rest.length,
    correct: hits(baseOut, rest),
    macs: rest.length * job.base.macs,
    wallMs: base?.wallMs ?? 0,
    executionProvider: baseOut?.provider ?? saverOut.provider,
  };
  const baselineStage: CascadeStage | undefined =
    baseline && baselineOut
      ? {
          model: job.base.name,
          samples: all.length,
          correct: hits(baselineOut, all),
          macs: all.length * job.base.macs,
          wallMs: baseline.wallMs,
          executionProvider: baselineOut.provider,
        }
      : undefined;
  const document: CascadeShardDocument = {
    runId: job.runId,
    dataset: job.dataset.name,
    shard: job.shard.id,
    threshold: job.threshold,
    samples: all.length,
    exitedKeys: exited.map((i) => samples.keys[i]),
    saver: saverStage,
    base: baseStage,
    correct: saverCorrectOnExits + baseStage.correct,
    macs: saverStage.macs + baseStage.macs,
    baseline: baselineStage,
    realisedSpeedup: baselineStage
      ? baselineStage.wallMs / (saverStage.wallMs + baseStage.wallMs)
      : undefined,
  };
  await ctx.store.write(
    ctx.layout.cascadeShardKey(job.tenant, job.runId, job.shard.id),
    JSON.stringify(document),
    'application/json',
  );
  return document;
}

function only(result: RunResult): ModelOutput {
  return result.outputs[0];
}

function checkLabels(
  samples: ShardSamples,
  shard: string,
  model: ProfiledModelRef,
  out: ModelOutput,
): void {
  const outside = labelOutsideModel(samples, shard, model.name, out.numClasses);
  if (outside) throw outside;
}
