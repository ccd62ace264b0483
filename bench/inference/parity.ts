// "Same model, same images": checks that the three paths compare like with like, before timing.
// For the first images of the shard: the worker's own image → tensor step (apps/worker/dist) and
// the peer's PIL + torchvision transforms give (nearly) the same tensors, and onnxruntime on the
// peer's tensors gives the peer's probabilities (the ONNX file and the PyTorch model hold the
// same weights). Pixel differences are reported in 8-bit levels (tensor difference × std × 255).
import { readFileSync } from 'node:fs';
import type { ImageExtension } from '@tinysaver/webdataset';
import type { BenchModel } from './bench-models';
import type { LimitSession } from './limit-session';
import type { TorchPeer } from './torch-peer';
import { loadImageTensor } from '../worker/decode-cost';

export interface Parity {
  readonly images: number;
  /** Worker tensors vs peer tensors. */
  readonly maxLevels: number;
  readonly meanLevels: number;
  /** Tensor values compared, and how many differ by more than one 8-bit level. */
  readonly values: number;
  readonly overOneLevel: number;
  /** onnxruntime on the peer's tensors vs the peer's softmax: same weights, same graph. */
  readonly modelMaxProbDiff: number;
  readonly modelTop1Agreement: number;
  /** onnxruntime on the worker's tensors (the farm) vs the peer, end to end. */
  readonly farmTop1Agreement: number;
}

const readF32 = (path: string) => {
  const b = readFileSync(path);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

function argmaxes(probs: Float32Array, count: number): number[] {
  const classes = probs.length / count;
  return Array.from({ length: count }, (_, i) => {
    let best = 0;
    for (let k = 1; k < classes; k++)
      if (probs[i * classes + k] > probs[i * classes + best]) best = k;
    return best;
  });
}

const agreement = (a: number[], b: number[]) => a.filter((v, i) => v === b[i]).length / a.length;

export async function checkParity(
  workerDist: string,
  model: BenchModel,
  images: readonly { bytes: Uint8Array; extension: ImageExtension }[],
  peer: TorchPeer,
  session: LimitSession,
  count: number,
): Promise<Parity> {
  const mod = loadImageTensor(workerDist);
  const fromPeer = await peer.tensors(count);
  const n = fromPeer.count;
  const p = model.preprocess;
  const [c, h, w] = p.inputSize;
  const ours = new Float32Array(n * c * h * w);
  for (let i = 0; i < n; i++)
    await mod.imageToTensor(images[i].bytes, images[i].extension, p, ours, i);
  const theirs = readF32(fromPeer.tensors);
  if (theirs.length !== ours.length)
    throw new Error(`peer tensors hold ${theirs.length} values, the worker's ${ours.length}`);
  let maxLevels = 0;
  let sumLevels = 0;
  let over = 0;
  for (let i = 0; i < ours.length; i++) {
    const channel = Math.floor(i / (h * w)) % c;
    const levels = Math.abs(ours[i] - theirs[i]) * p.std[channel] * 255;
    maxLevels = Math.max(maxLevels, levels);
    sumLevels += levels;
    if (levels > 1 + 1e-3) over++;
  }
  const peerProbs = readF32(fromPeer.probs);
  const ortOnPeer = await session.softmax(theirs, n);
  const ortOnOurs = await session.softmax(ours, n);
  let modelMaxProbDiff = 0;
  for (let i = 0; i < peerProbs.length; i++)
    modelMaxProbDiff = Math.max(modelMaxProbDiff, Math.abs(peerProbs[i] - ortOnPeer[i]));
  const peerTop1 = argmaxes(peerProbs, n);
  return {
    images: n,
    maxLevels,
    meanLevels: sumLevels / ours.length,
    values: ours.length,
    overOneLevel: over,
    modelMaxProbDiff,
    modelTop1Agreement: agreement(argmaxes(ortOnPeer, n), peerTop1),
    farmTop1Agreement: agreement(argmaxes(ortOnOurs, n), peerTop1),
  };
}
