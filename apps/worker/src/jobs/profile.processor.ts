import type { ModelProfileDocument, ProfileJob } from '@tinysaver/contracts';
import type { JobContext } from './job-context';
import { JobFailure } from './job-failure';

/**
 * Downloads and verifies a registered model, counts its MACs, proves onnxruntime runs it, and
 * writes `profile.json` — or, for a model that cannot be used, an `invalid` document with the
 * reason (and the job fails without retry, carrying the same reason).
 */
export async function processProfile(
  ctx: JobContext,
  job: ProfileJob,
): Promise<ModelProfileDocument> {
  const key = ctx.layout.modelProfileKey(job.tenant, job.model.name);
  try {
    const file = await ctx.models.fetch(job.model);
    const profile = await ctx.pool.run({
      kind: 'profile',
      model: file,
      preprocess: job.model.preprocess,
    });
    const document: ModelProfileDocument = {
      status: 'ready',
      sha256: job.model.sha256,
      ...profile,
    };
    await ctx.store.write(key, JSON.stringify(document, null, 2), 'application/json');
    return document;
  } catch (error) {
    if (error instanceof JobFailure && !error.retryable) {
      const document: ModelProfileDocument = {
        status: 'invalid',
        sha256: job.model.sha256,
        code: error.code,
        reason: error.message,
      };
      await ctx.store.write(key, JSON.stringify(document, null, 2), 'application/json');
    }
    throw error;
  }
}
