import { readFile } from 'node:fs/promises';
import { Tensor } from 'onnxruntime-node';
import { JobFailureCode } from '@tinysaver/contracts';
import { ProfilerError, profileOnnx, type ProfilerErrorCode } from '@tinysaver/profiler';
import { JobFailure } from '../jobs/job-failure';
import type { ModelFile, ProfileResult, ProfileTask } from './compute-protocol';
import type { OpenSession } from './ort-session';

/** Dummy batch size: 2, so a model that hard-codes batch 1 is caught here, not mid-shard. */
const PROBE_BATCH = 2;

const PROFILER_FAILURES: Record<ProfilerErrorCode, JobFailureCode> = {
  NOT_ONNX: JobFailureCode.ModelNotOnnx,
  TRUNCATED: JobFailureCode.ModelNotOnnx,
  INVALID_GRAPH: JobFailureCode.ModelUnsupported,
  EXTERNAL_DATA: JobFailureCode.ModelUnsupported,
  NO_IMAGE_INPUT: JobFailureCode.ModelInputShape,
  MULTIPLE_INPUTS: JobFailureCode.ModelInputShape,
  INPUT_SIZE_REQUIRED: JobFailureCode.ModelInputShape,
  INPUT_SIZE_MISMATCH: JobFailureCode.ModelInputShape,
  INVALID_OPTION: JobFailureCode.ModelInputShape,
  BAD_OUTPUT: JobFailureCode.ModelOutputShape,
};

/**
 * Counts a model's MACs with our profiler, then proves onnxruntime loads it and that a dummy
 * batch comes back as [N, classes] float32 logits.
 */
export async function profileTask(
  task: ProfileTask,
  open: (model: ModelFile) => Promise<OpenSession>,
): Promise<ProfileResult> {
  const { model, preprocess } = task;
  const [c, h, w] = preprocess.inputSize;
  let profile;
  try {
    profile = profileOnnx(await readFile(model.path), { inputSize: [c, h, w] });
  } catch (error) {
    if (!(error instanceof ProfilerError)) throw error;
    throw new JobFailure(
      PROFILER_FAILURES[error.code],
      `model '${model.name}' (sha256 ${model.sha256}): ${error.message}`,
    );
  }
  const { session, provider } = await open(model);
  const dims = preprocess.layout === 'NHWC' ? [PROBE_BATCH, h, w, c] : [PROBE_BATCH, c, h, w];
  let output: Tensor;
  try {
    const feeds = {
      [session.inputNames[0]]: new Tensor(
        'float32',
        new Float32Array(PROBE_BATCH * c * h * w),
        dims,
      ),
    };
    output = (await session.run(feeds))[session.outputNames[0]];
  } catch (error) {
    throw new JobFailure(
      JobFailureCode.ModelInputShape,
      `model '${model.name}' (sha256 ${model.sha256}) fails on a dummy batch of shape [${dims.join(', ')}]: ${(error as Error).message.split('\n')[0]}. Register it with the inputSize and layout it was exported for, and export it with a dynamic batch dimension.`,
    );
  }
  if (
    output.type !== 'float32' ||
    output.dims.length !== 2 ||
    output.dims[0] !== PROBE_BATCH ||
    output.dims[1] < 2
  )
    throw new JobFailure(
      JobFailureCode.ModelOutputShape,
      `model '${model.name}' (sha256 ${model.sha256}) returns a ${output.type} output of shape [${output.dims.join(', ')}] for a batch of ${PROBE_BATCH}; the farm needs float32 logits [N, classes] (classes ≥ 2). Export the classifier's logits as the first output with a dynamic batch dimension.`,
    );
  return {
    macs: profile.macs,
    flops: profile.flops,
    params: profile.params,
    opset: profile.opset,
    producer: profile.producer,
    complete: profile.complete,
    input: { name: session.inputNames[0], shape: [c, h, w] },
    output: { name: session.outputNames[0], shape: [output.dims[1]] },
    numClasses: output.dims[1],
    executionProvider: provider,
  };
}
