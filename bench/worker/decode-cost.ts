// CPU cost of the worker's own image → tensor step (apps/worker/dist/compute/image-tensor.js,
// the code the compute threads run), measured in this process. On a machine where onnxruntime
// already keeps every core busy, decoding has to share those cores: this cost, not any waiting,
// bounds how close the farm can come to the inference limit.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { cpuUsage } from 'node:process';
import type { ResolvedPreprocess } from '@tinysaver/cascade';
import { readShard, type ImageExtension } from '@tinysaver/webdataset';

/** What the bench uses of the built worker's compute/image-tensor.js. */
export interface ImageTensorModule {
  imageToTensor(
    bytes: Uint8Array,
    extension: ImageExtension,
    p: ResolvedPreprocess,
    out: Float32Array,
    index: number,
  ): Promise<void>;
  configureImageDecoding(options: { vipsThreads: number }): void;
}

/** The built worker's image → tensor step, exactly as its compute thread runs it. */
export function loadImageTensor(workerDist: string): ImageTensorModule {
  return createRequire(__filename)(
    join(workerDist, 'compute', 'image-tensor.js'),
  ) as ImageTensorModule;
}

export interface DecodeCost {
  /** Process CPU per image (all threads: libvips on libuv's pool and the JS thread). */
  readonly cpuMsPerImage: number;
  /** Wall time per image with `inFlight` images at a time, as the worker decodes a batch. */
  readonly wallMsPerImage: number;
  readonly passes: number;
  readonly inFlight: number;
}

export async function shardImages(bytes: Uint8Array, shard: string) {
  const images: { bytes: Uint8Array; extension: ImageExtension }[] = [];
  for await (const sample of readShard(Readable.from([bytes]), { shard }))
    images.push({
      bytes: sample.files.get(sample.imageExtension)!,
      extension: sample.imageExtension,
    });
  return images;
}

/**
 * Decodes every image `passes` times after a short warm-up, `inFlight` at a time (the worker
 * decodes a batch at once), with libvips set up as a compute thread sets it up.
 */
export async function measureDecodeCost(
  workerDist: string,
  images: readonly { bytes: Uint8Array; extension: ImageExtension }[],
  p: ResolvedPreprocess,
  options: { passes: number; inFlight: number; vipsThreads: number },
): Promise<DecodeCost> {
  const mod = loadImageTensor(workerDist);
  mod.configureImageDecoding({ vipsThreads: options.vipsThreads });
  const [c, h, w] = p.inputSize;
  const out = new Float32Array(options.inFlight * c * h * w);
  const pass = async (list: typeof images) => {
    for (let start = 0; start < list.length; start += options.inFlight) {
      const chunk = list.slice(start, start + options.inFlight);
      await Promise.all(chunk.map((im, j) => mod.imageToTensor(im.bytes, im.extension, p, out, j)));
    }
  };
  await pass(images.slice(0, options.inFlight * 2));
  const cpu0 = cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < options.passes; i++) await pass(images);
  const wallMs = performance.now() - t0;
  const cpu = cpuUsage(cpu0);
  const n = images.length * options.passes;
  return {
    cpuMsPerImage: (cpu.user + cpu.system) / 1000 / n,
    wallMsPerImage: wallMs / n,
    passes: options.passes,
    inFlight: options.inFlight,
  };
}
