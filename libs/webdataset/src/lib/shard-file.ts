import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ShardEntry } from './dataset-manifest';
import type { SampleInput } from './labelled-sample';
import { TarShardWriter, type TarShardWriterOptions } from './tar-writer';
import { WebDatasetError } from './webdataset-error';

/**
 * Writes `samples` as one shard file at `path` and returns its manifest entry (sha256 and size
 * computed from the bytes as they are written). The file must not exist yet; on any failure the
 * partial file is removed, so a shard file on disk is always complete.
 */
export async function writeShardFile(
  path: string,
  samples: Iterable<SampleInput> | AsyncIterable<SampleInput>,
  options: Omit<TarShardWriterOptions, 'shard'> = {},
): Promise<ShardEntry> {
  const file = basename(path);
  const writer = new TarShardWriter({ ...options, shard: file });
  const hash = createHash('sha256');
  let bytes = 0;
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  const writing = pipeline(writer.output, measure, createWriteStream(path, { flags: 'wx' }));
  const adding = (async () => {
    for await (const sample of samples) await writer.add(sample);
    writer.end();
  })();
  // If adding fails first, abort so the file pipeline stops too; if the file fails first (disk
  // full, path exists), the pending add() rejects with that error.
  adding.catch((error: unknown) => writer.abort(error as Error));
  const [added, written] = await Promise.allSettled([adding, writing]);
  if (added.status === 'rejected' || written.status === 'rejected') {
    // The sample error explains a failure best; otherwise the file's own error (EEXIST, ENOSPC)
    // is the cause and the writer's is only its echo.
    const reason: unknown =
      added.status === 'rejected' &&
      (added.reason instanceof WebDatasetError || written.status !== 'rejected')
        ? added.reason
        : (written as PromiseRejectedResult).reason;
    // Never delete a file we refused to overwrite.
    if ((reason as { code?: unknown } | null)?.code !== 'EEXIST') await rm(path, { force: true });
    throw reason;
  }
  return { file, samples: writer.samples, bytes, sha256: hash.digest('hex') };
}
