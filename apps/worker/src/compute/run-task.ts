import { performance } from 'node:perf_hooks';
import { Tensor, type InferenceSession } from 'onnxruntime-node';
import { softmaxTopK, type ResolvedPreprocess } from '@tinysaver/cascade';
import { JobFailureCode } from '@tinysaver/contracts';
import { JobFailure } from '../jobs/job-failure';
import { planBatches, type PlannedBatch } from './batch-plan';
import type { ModelFile, ModelOutput, RunGroup, RunResult, RunTask } from './compute-protocol';
import { ImageDecodeError, imageToTensor } from './image-tensor';
import type { OpenSession } from './ort-session';

type Sessions = (model: ModelFile) => Promise<OpenSession>;

/**
 * Runs every group's models over every image: decode a batch once per group, feed it to each
 * model of the group, keep top-k. The next batch is decoded while the current one is inferred
 * (sharp works on libuv's threads while onnxruntime holds this one); batches ramp up to the
 * batch size (batch-plan.ts) so inference starts after a few images, not a whole batch.
 */
export async function runTask(
  task: RunTask,
  sessions: Sessions,
  progress: (done: number) => void,
  cancelled: () => boolean = () => false,
): Promise<RunResult> {
  const started = performance.now();
  const outputs: ModelOutput[] = [];
  let decodeWaitMs = 0;
  let decodedImages = 0;
  const total = task.images.length * task.groups.reduce((sum, g) => sum + g.models.length, 0);
  let done = 0;
  for (const group of task.groups) {
    const opened = [];
    for (const model of group.models) opened.push({ model, ...(await sessions(model)) });
    const results = opened.map(({ model, provider }) => ({
      model,
      provider,
      numClasses: 0,
      topClasses: new Int32Array(task.images.length * task.k),
      topProbs: new Float32Array(task.images.length * task.k),
      inferMs: 0,
    }));
    const n = task.images.length;
    decodedImages += n;
    // Two batch buffers, reused: one is decoded into while the other is inferred.
    const [c, h, w] = group.preprocess.inputSize;
    const size = Math.min(task.batchSize, n) * c * h * w;
    const buffers = [new Float32Array(size), new Float32Array(size)];
    const plan = planBatches(n, task.batchSize);
    const decodeAt = (i: number) =>
      i < plan.length ? decodeBatch(task, group.preprocess, plan[i], buffers[i % 2]) : undefined;
    let next = decodeAt(0);
    for (const [i, { start, count }] of plan.entries()) {
      if (cancelled())
        throw new JobFailure(
          JobFailureCode.Internal,
          'the worker is shutting down; the job will run again.',
          true,
        );
      const t0 = performance.now();
      const batch = await next!;
      decodeWaitMs += performance.now() - t0;
      next = decodeAt(i + 1);
      // Rejections are awaited on the next turn; until then, do not let Node call them unhandled.
      next?.catch(() => undefined);
      for (const [m, { session }] of opened.entries()) {
        const t1 = performance.now();
        const logits = await infer(session, results[m].model, group.preprocess, batch, count);
        results[m].inferMs += performance.now() - t1;
        const classes = logits.dims[1];
        if (results[m].numClasses === 0) {
          results[m].numClasses = classes;
          if (classes < task.k) throw outputShape(results[m].model, logits.dims, count, task.k);
        }
        softmaxTopK(
          logits.data,
          count,
          classes,
          task.k,
          {
            topClasses: results[m].topClasses,
            topProbs: results[m].topProbs,
            offset: start,
          },
          (i) => task.keys[start + i],
        );
        done += count;
      }
      progress(done / total);
    }
    for (const r of results)
      outputs.push({
        sha256: r.model.sha256,
        numClasses: r.numClasses,
        topClasses: r.topClasses,
        topProbs: r.topProbs,
        inferMs: r.inferMs,
        provider: r.provider,
      });
  }
  return { outputs, decodeWaitMs, decodedImages, wallMs: performance.now() - started };
}

async function decodeBatch(
  task: RunTask,
  preprocess: ResolvedPreprocess,
  { start, count }: PlannedBatch,
  buffer: Float32Array,
): Promise<Float32Array> {
  const [c, h, w] = preprocess.inputSize;
  const data = buffer.subarray(0, count * c * h * w);
  await Promise.all(
    Array.from({ length: count }, async (_, j) => {
      const i = start + j;
      try {
        await imageToTensor(task.images[i], task.extensions[i], preprocess, data, j);
      } catch (error) {
        if (!(error instanceof ImageDecodeError)) throw error;
        throw new JobFailure(
          JobFailureCode.ImageUndecodable,
          `shard ${task.source}, sample '${task.keys[i]}': image '${task.keys[i]}.${task.extensions[i]}' cannot be decoded (${error.message}); replace or remove that sample and register the dataset again.`,
        );
      }
    }),
  );
  return data;
}

async function infer(
  session: InferenceSession,
  model: ModelFile,
  p: ResolvedPreprocess,
  data: Float32Array,
  count: number,
): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const [c, h, w] = p.inputSize;
  const dims = p.layout === 'NHWC' ? [count, h, w, c] : [count, c, h, w];
  let output: InferenceSession.OnnxValueMapType[string];
  try {
    const result = await session.run({
      [session.inputNames[0]]: new Tensor('float32', data, dims),
    });
    output = result[session.outputNames[0]];
  } catch (error) {
    throw new JobFailure(
      JobFailureCode.ModelInputShape,
      `model '${model.name}' (sha256 ${model.sha256}) refused a ${p.layout} batch of shape [${dims.join(', ')}]: ${(error as Error).message.split('\n')[0]}. Register the model with the inputSize and layout it was exported for.`,
    );
  }
  const tensor = output;
  if (
    tensor.type !== 'float32' ||
    tensor.dims.length !== 2 ||
    tensor.dims[0] !== count ||
    tensor.dims[1] < 2
  )
    throw outputShape(model, tensor.dims, count, 2, tensor.type);
  return { data: tensor.data as Float32Array, dims: tensor.dims };
}

function outputShape(
  model: ModelFile,
  dims: readonly number[],
  count: number,
  minClasses: number,
  type = 'float32',
): JobFailure {
  return new JobFailure(
    JobFailureCode.ModelOutputShape,
    `model '${model.name}' (sha256 ${model.sha256}) returned a ${type} output of shape [${dims.join(', ')}] for a batch of ${count}; the farm needs float32 logits [N, classes] with at least ${minClasses} classes. Export the classifier head's logits as the first output.`,
  );
}

export type { RunGroup };
