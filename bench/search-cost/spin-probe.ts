// Why the worker layouts differ on 2 shared cores: onnxruntime alone, in this process, on one zoo
// model, with the worker's session options (graph optimisation all, 1 inter-op thread, batch 64)
// and 2 intra-op threads (the worker's default on 2 cores) vs 1 (each of 2 processes), spinning
// (onnxruntime's default) and not (`session.intra_op.allow_spinning` = 0, the worker's default
// since ORT_SPINNING). Each pass runs the same pre-made batches; passes are interleaved so
// others' load falls on every variant alike, and what others used is recorded per pass.
import { join } from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { ForeignLoad } from '../worker/foreign-load';
import { FIXTURES, type ZooModel } from './config';

export interface ProbeVariant {
  readonly label: string;
  readonly intraOpThreads: number;
  readonly spinning: boolean;
}

export const PROBE_VARIANTS: readonly ProbeVariant[] = [
  { label: '2 intra-op threads, spinning (ORT_SPINNING=true)', intraOpThreads: 2, spinning: true },
  { label: '2 intra-op threads, no spinning (worker default)', intraOpThreads: 2, spinning: false },
  { label: '1 intra-op thread', intraOpThreads: 1, spinning: true },
];

export interface ProbePass {
  readonly variant: string;
  readonly imagesPerSecond: number;
  readonly foreignShare: number;
}

export async function runSpinProbe(
  model: ZooModel,
  images = 6_400, // ~0.6 s a pass at 10,000 images/s: long enough for /proc's 10 ms ticks
  passes = 4,
  batch = 64,
): Promise<ProbePass[]> {
  const [c, h, w] = model.preprocess.inputSize as number[];
  const data = new Float32Array(batch * c * h * w);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i) * 0.9; // any finite input
  const sessions = await Promise.all(
    PROBE_VARIANTS.map((v) =>
      InferenceSession.create(join(FIXTURES, 'zoo', model.file), {
        executionProviders: ['cpu'],
        intraOpNumThreads: v.intraOpThreads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        extra: { session: { intra_op: { allow_spinning: v.spinning ? '1' : '0' } } },
      }),
    ),
  );
  try {
    const feeds = (s: InferenceSession) => ({
      [s.inputNames[0]]: new Tensor('float32', data, [batch, c, h, w]),
    });
    for (const s of sessions) await s.run(feeds(s)); // warm-up
    const load = new ForeignLoad(() => [process.pid]);
    const out: ProbePass[] = [];
    for (let p = 0; p < passes; p++)
      for (const [i, variant] of PROBE_VARIANTS.entries()) {
        const session = sessions[i];
        const foreign = load.start();
        const t0 = performance.now();
        for (let done = 0; done < images; done += batch) await session.run(feeds(session));
        const seconds = (performance.now() - t0) / 1000;
        out.push({
          variant: variant.label,
          imagesPerSecond: images / seconds,
          foreignShare: foreign(),
        });
      }
    return out;
  } finally {
    await Promise.all(sessions.map((s) => s.release()));
  }
}
