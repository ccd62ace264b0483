import { JobFailureCode } from '@tinysaver/contracts';

/**
 * A failure the worker understands: bad input (never retried, the job fails at once with `code`
 * and a message naming the object and the fix) or a transient fault (retried with backoff).
 */
export class JobFailure extends Error {
  override readonly name = 'JobFailure';
  constructor(
    readonly code: JobFailureCode,
    message: string,
    readonly retryable = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const transient = (message: string, cause?: unknown) =>
  new JobFailure(JobFailureCode.StorageUnavailable, message, true, { cause });
