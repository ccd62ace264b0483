// The analysis of one search, off the job thread: reading and decoding every record and ranking
// every pair takes seconds on large searches, while the job thread must keep renewing locks.
import { parentPort, workerData } from 'node:worker_threads';
import { CascadeError } from '@tinysaver/cascade';
import { JobFailureCode } from '@tinysaver/contracts';
import { createS3Client, FarmLayout } from '@tinysaver/storage';
import { ObjectStore } from '../storage/object-store';
import { JobFailure } from './job-failure';
import type { AggregationInput, AggregationReply } from './aggregate-run';
import { aggregateSearch } from './search-results';

const RECORD_LIMIT = 1024 * 1024 * 1024;

async function main(input: AggregationInput): Promise<AggregationReply> {
  const client = createS3Client({
    endpoint: input.s3.endpoint,
    region: input.s3.region,
    requestTimeoutMs: input.s3.requestTimeoutMs,
    maxAttempts: input.s3.maxAttempts,
  });
  const store = new ObjectStore(client, input.s3.bucket);
  try {
    const results = await aggregateSearch(
      input.spec,
      (key) =>
        store.read({ bucket: input.s3.bucket, key }, { what: 'record', maxBytes: RECORD_LIMIT }),
      new FarmLayout(input.s3.prefix),
      { bootstrapReplicates: input.bootstrapReplicates, records: input.records },
    );
    return { ok: true, results };
  } catch (error) {
    if (error instanceof JobFailure)
      return { ok: false, code: error.code, message: error.message, retryable: error.retryable };
    if (error instanceof CascadeError)
      return {
        ok: false,
        code: JobFailureCode.AnalysisFailed,
        message: `search '${input.spec.id}': ${error.message}`,
        retryable: false,
      };
    throw error;
  } finally {
    client.destroy();
  }
}

void main(workerData as AggregationInput).then(
  (reply) => parentPort!.postMessage(reply),
  (error: unknown) =>
    parentPort!.postMessage({
      ok: false,
      code: JobFailureCode.Internal,
      message: (error as Error)?.stack ?? String(error),
      retryable: true,
    } satisfies AggregationReply),
);
