import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { JobFailureCode, type SearchResultsDocument, type SearchSpec } from '@tinysaver/contracts';
import type { FarmConnections } from '@tinysaver/farm-config';
import type { JobContext } from './job-context';
import { JobFailure } from './job-failure';

/** What the aggregation thread is given (structured-cloned). */
export interface AggregationInput {
  readonly spec: SearchSpec;
  readonly s3: FarmConnections['s3'];
  readonly bootstrapReplicates: number;
  readonly records: { readonly needed: number; readonly reused: number };
}

export type AggregationReply =
  | { readonly ok: true; readonly results: SearchResultsDocument }
  | {
      readonly ok: false;
      readonly code: JobFailureCode;
      readonly message: string;
      readonly retryable: boolean;
    };

/** Analyses run one at a time per worker process: each already uses a whole core. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Aggregates a search in a fresh thread (terminated if it dies) and returns `results.json`.
 * Failures come back as {@link JobFailure}s with the thread's code and message.
 */
export function runAggregation(
  ctx: JobContext,
  spec: SearchSpec,
  records: AggregationInput['records'],
  entry = join(__dirname, 'aggregate-thread.js'),
): Promise<SearchResultsDocument> {
  const input: AggregationInput = {
    spec,
    s3: ctx.config.s3,
    bootstrapReplicates: ctx.config.bootstrapReplicates,
    records,
  };
  const run = queue.then(() => inThread(entry, input));
  queue = run.catch(() => undefined);
  return run;
}

function inThread(entry: string, input: AggregationInput): Promise<SearchResultsDocument> {
  return new Promise((resolve, reject) => {
    const thread = new Worker(entry, { workerData: input });
    let settled = false;
    thread.once('message', (reply: AggregationReply) => {
      settled = true;
      if (reply.ok) resolve(reply.results);
      else reject(new JobFailure(reply.code, reply.message, reply.retryable));
      void thread.terminate();
    });
    thread.once('error', (error) => {
      if (settled) return;
      settled = true;
      reject(
        new JobFailure(
          JobFailureCode.Internal,
          `aggregation thread failed: ${error.stack ?? error.message}`,
          true,
        ),
      );
    });
    thread.once('exit', (code) => {
      if (settled) return;
      settled = true;
      reject(
        new JobFailure(
          JobFailureCode.Internal,
          `aggregation thread exited with code ${code}`,
          true,
        ),
      );
    });
  });
}
