// The limit: onnxruntime-node InferenceSession.run alone, on pre-made float32 batches, with the
// worker's threads (cpu, 2 intra-op threads, 1 inter-op thread, optimisation 'all') but
// onnxruntime's default spinning (on): alone on the cores, spinning threads answer fastest. The
// worker turns it off (ORT_SPINNING) because its decoder shares the cores. What the farm would
// reach if decoding, downloads and records cost nothing.
import { InferenceSession, Tensor } from 'onnxruntime-node';
import type { BenchModel } from './bench-models';

export const LIMIT_SESSION_OPTIONS = {
  executionProviders: ['cpu'],
  intraOpNumThreads: 2,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  extra: { session: { intra_op: { allow_spinning: '1' } } },
} as const satisfies InferenceSession.SessionOptions;

/** The options above in words, for reports. */
export const LIMIT_SESSION_TEXT = `cpu, intraOpNumThreads ${LIMIT_SESSION_OPTIONS.intraOpNumThreads}, interOpNumThreads ${LIMIT_SESSION_OPTIONS.interOpNumThreads}, graphOptimizationLevel 'all', intra-op spinning on (onnxruntime's default)`;

/** Seeded values in the range normalised pixels take (ImageNet mean/std: about −2.1 … 2.6). */
function fillNormalised(data: Float32Array, seed: number): void {
  let s = seed >>> 0;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = (s / 4294967296) * 4.7 - 2.1;
  }
}

export interface LimitPass {
  readonly ms: number;
  /** This process's CPU (onnxruntime's threads) during the pass. */
  readonly cpuMs: number;
}

export interface LimitSession {
  /** One timed pass over `images` images in batches of `batch`, the last one partial. */
  pass(): Promise<LimitPass>;
  /** Softmax of the model over `count` given images (NCHW float32): for the parity check. */
  softmax(data: Float32Array, count: number): Promise<Float32Array>;
  close(): Promise<void>;
}

export async function openLimitSession(
  model: Pick<BenchModel, 'path' | 'preprocess'>,
  images: number,
  batch: number,
): Promise<LimitSession> {
  const session = await InferenceSession.create(model.path, {
    ...LIMIT_SESSION_OPTIONS,
    executionProviders: [...LIMIT_SESSION_OPTIONS.executionProviders],
  });
  const [c, h, w] = model.preprocess.inputSize;
  const input = session.inputNames[0];
  const feeds: Record<string, Tensor>[] = [];
  for (let start = 0; start < images; start += batch) {
    const count = Math.min(batch, images - start);
    const data = new Float32Array(count * c * h * w);
    fillNormalised(data, start + 1);
    feeds.push({ [input]: new Tensor('float32', data, [count, c, h, w]) });
  }
  // Warm-up: the first runs of a shape allocate arenas and pick kernels; the last batch may be
  // a partial one of another shape.
  for (const feed of [feeds[0], feeds[0], feeds[feeds.length - 1]]) await session.run(feed);
  return {
    async pass() {
      const cpu0 = process.cpuUsage();
      const start = performance.now();
      for (const feed of feeds) await session.run(feed);
      const ms = performance.now() - start;
      const cpu = process.cpuUsage(cpu0);
      return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
    },
    async softmax(data, count) {
      const out = await session.run({ [input]: new Tensor('float32', data, [count, c, h, w]) });
      const logits = out[session.outputNames[0]].data as Float32Array;
      const classes = logits.length / count;
      const probs = new Float32Array(logits.length);
      for (let i = 0; i < count; i++) {
        const row = logits.subarray(i * classes, (i + 1) * classes);
        const max = Math.max(...row);
        let sum = 0;
        for (let k = 0; k < classes; k++) sum += probs[i * classes + k] = Math.exp(row[k] - max);
        for (let k = 0; k < classes; k++) probs[i * classes + k] /= sum;
      }
      return probs;
    },
    close: () => session.release(),
  };
}
