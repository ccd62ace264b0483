// Inputs a user can get wrong, built in the test: hand-made tars and ONNX files.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import * as tar from 'tar-stream';
import { buildModel, int64, type NodeSpec, type TensorSpec } from '@tinysaver/profiler/testing';
import { readShard } from '@tinysaver/webdataset';
import { FIXTURES } from './farm-fixture';

/** A plain tar holding exactly these members, in this order (no checks: that is the point). */
export async function makeTar(
  members: readonly (readonly [string, Uint8Array | string])[],
): Promise<Buffer> {
  const pack = tar.pack();
  for (const [name, body] of members) pack.entry({ name, mtime: new Date(0) }, Buffer.from(body));
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The first `count` PNGs of the bundled evaluation shard, with their keys. */
export async function realPngs(count: number): Promise<{ key: string; png: Uint8Array }[]> {
  const out: { key: string; png: Uint8Array }[] = [];
  const file = join(FIXTURES, 'datasets', 'fashion-mnist-evaluation', 'evaluation-000000.tar.gz');
  for await (const sample of readShard(createReadStream(file), { shard: file })) {
    out.push({ key: sample.key, png: sample.files.get('png')! });
    if (out.length === count) break;
  }
  return out;
}

const floats = (name: string, dims: number[], value = 0.01): TensorSpec => ({
  name,
  dims,
  values: Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => value * ((i % 7) - 3)),
});

/** A working 28×28 grey → 10-class linear classifier, optionally with a broken output or batch. */
export function linearOnnx(
  options: { extraOutputDim?: boolean; batch?: number | string } = {},
): Uint8Array {
  const batch = options.batch ?? 'N';
  const nodes: NodeSpec[] = [
    { op: 'Flatten', inputs: ['input'], outputs: ['flat'], attrs: { axis: 1 } },
    {
      op: 'Gemm',
      inputs: ['flat', 'W', 'B'],
      outputs: [options.extraOutputDim ? 'logits2d' : 'logits'],
      attrs: { transB: 1 },
    },
  ];
  if (options.extraOutputDim)
    nodes.push({
      op: 'Unsqueeze',
      inputs: ['logits2d', 'axes'],
      outputs: ['logits'],
    });
  return buildModel({
    opset: 13,
    inputs: [{ name: 'input', shape: [batch, 1, 28, 28] }],
    outputs: [{ name: 'logits', shape: options.extraOutputDim ? [batch, 10, 1] : [batch, 10] }],
    initializers: [
      floats('W', [10, 784]),
      floats('B', [10], 0.1),
      ...(options.extraOutputDim ? [int64('axes', [2])] : []),
    ],
    nodes,
  });
}
