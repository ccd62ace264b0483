import { Readable } from 'node:stream';
import { JobFailureCode } from '@tinysaver/contracts';
import { readShard, WebDatasetError, type ImageExtension } from '@tinysaver/webdataset';
import { JobFailure } from './job-failure';

/** A shard's samples in archive order, struct-of-arrays. */
export interface ShardSamples {
  readonly keys: string[];
  readonly labels: Int32Array;
  readonly images: Uint8Array[];
  readonly extensions: ImageExtension[];
}

/**
 * Parses a downloaded shard. Anything wrong with its content (not a tar, truncated, repeated
 * keys, a missing or non-numeric .cls, no image) fails the job without retry; the reader's
 * messages name the shard, the member and the fix.
 */
export async function readShardSamples(bytes: Uint8Array, shard: string): Promise<ShardSamples> {
  const keys: string[] = [];
  const labels: number[] = [];
  const images: Uint8Array[] = [];
  const extensions: ImageExtension[] = [];
  try {
    for await (const sample of readShard(Readable.from([bytes]), { shard })) {
      keys.push(sample.key);
      labels.push(sample.label);
      images.push(sample.files.get(sample.imageExtension)!);
      extensions.push(sample.imageExtension);
    }
  } catch (error) {
    if (error instanceof WebDatasetError)
      throw new JobFailure(JobFailureCode.ShardInvalid, `[${error.code}] ${error.message}`);
    throw error;
  }
  if (keys.length === 0)
    throw new JobFailure(
      JobFailureCode.ShardInvalid,
      `shard '${shard}' holds no samples; remove it from the dataset or pack it again.`,
    );
  return { keys, labels: Int32Array.from(labels), images, extensions };
}

/** The first sample whose label is not one of the model's classes, as a failure; else undefined. */
export function labelOutsideModel(
  samples: ShardSamples,
  shard: string,
  model: string,
  numClasses: number,
): JobFailure | undefined {
  const i = samples.labels.findIndex((label) => label >= numClasses);
  if (i < 0) return undefined;
  return new JobFailure(
    JobFailureCode.LabelOutsideModel,
    `shard '${shard}', sample '${samples.keys[i]}': class index ${samples.labels[i]} is outside model '${model}''s ${numClasses} classes (0..${numClasses - 1}); fix that sample's .cls, or pair this dataset with models trained on its classes.`,
  );
}
