import { InferenceSession } from 'onnxruntime-node';
import { JobFailureCode } from '@tinysaver/contracts';
import type { ExecutionProvider } from '../config/worker-config';
import { JobFailure } from '../jobs/job-failure';
import type { ModelFile, ThreadSettings } from './compute-protocol';

export interface OpenSession {
  readonly session: InferenceSession;
  /** What actually ran: onnxruntime throws (rather than falling back) when a provider cannot load. */
  readonly provider: ExecutionProvider;
}

/**
 * Opens a session with the first provider in `providers` that loads, warning on each fallback.
 * A model that no provider can load fails the job without retry: the file is at fault.
 */
export async function openSession(
  model: ModelFile,
  threads: Pick<ThreadSettings, 'executionProviders' | 'intraOpThreads' | 'ortSpinning'>,
  warn: (message: string) => void,
): Promise<OpenSession> {
  const providers = threads.executionProviders;
  let lastError: unknown;
  for (const [i, provider] of providers.entries()) {
    try {
      const session = await InferenceSession.create(model.path, {
        executionProviders: [provider],
        intraOpNumThreads: threads.intraOpThreads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        extra: { session: { intra_op: { allow_spinning: threads.ortSpinning ? '1' : '0' } } },
      });
      return { session, provider };
    } catch (error) {
      lastError = error;
      const next = providers[i + 1];
      if (next !== undefined)
        warn(
          `execution provider '${provider}' could not load model ${model.name} (${(error as Error).message.split('\n')[0]}); falling back to '${next}'.`,
        );
    }
  }
  // onnxruntime names the worker's local cache file; the user knows the model by name.
  const detail = ((lastError as Error | undefined)?.message.split('\n')[0] ?? 'unknown error')
    .split(model.path)
    .join('the file');
  throw new JobFailure(
    /protobuf parsing failed|invalid model|model_path/i.test(detail)
      ? JobFailureCode.ModelNotOnnx
      : JobFailureCode.ModelLoadFailed,
    `onnxruntime cannot load model '${model.name}' (sha256 ${model.sha256}): ${detail}. Export it again as a valid ONNX file (opset ≥ 7) and register it anew.`,
  );
}
