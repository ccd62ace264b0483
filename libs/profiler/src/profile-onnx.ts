// profileOnnx: ONNX bytes in, MACs / FLOPs / parameters out, per image (batch 1).
import { ProfilerError } from './errors';
import { checkInputSize, resolveImageInput, resolveOutput } from './input-signature';
import { decodeModel } from './onnx-decode';
import type { DeclaredDim, OnnxGraph, OnnxModel } from './onnx-model';
import { isWeightType } from './onnx-model';
import { nodeCost } from './op-costs';
import { inferShapes } from './shape-inference';
import { elementCount } from './tensor-values';

export interface ProfileOptions {
  /**
   * [C, H, W] of the image input, needed when the file leaves any of them symbolic; must agree
   * with the sizes the file fixes.
   * @defaultValue the sizes the file declares
   */
  inputSize?: [number, number, number];
}

export interface OpTotals {
  count: number;
  macs: number;
  flops: number;
}

export interface UnsupportedOp {
  opType: string;
  domain: string;
  count: number;
  reason: string;
}

export interface OnnxProfile {
  /** Multiply-accumulates per image (Conv, ConvTranspose, Gemm, MatMul, Einsum). */
  macs: number;
  /** Floating-point operations per image (2 per MAC plus element-wise work; see op-costs.ts). */
  flops: number;
  /**
   * Elements of the weight-typed constants: initializers and (non-scalar) Constant-node values
   * whose type is a float (any width) or an 8-/4-bit integer (quantized weights). Wider integers and bool are
   * shapes, indices and masks and are not counted, so a quantized model's int32 biases are left
   * out. Folded BatchNorm counts as the conv bias it became; identical initializers the exporter
   * deduplicated count once.
   */
  params: number;
  /** Version of the default ONNX opset the model imports. */
  opset: number;
  irVersion: number;
  producer: string;
  inputs: { name: string; shape: number[]; declaredShape: DeclaredDim[] | null }[];
  outputs: { name: string; shape: number[] | null; declaredShape: DeclaredDim[] | null }[];
  /** Logits width, when known. */
  classes: number | null;
  /** Batch size shapes were inferred at (the file's fixed batch, else 1); totals are per image. */
  batch: number;
  /** Nodes in the main graph. */
  nodes: number;
  byOp: Record<string, OpTotals>;
  /** Operators that could not be costed, grouped by type and reason. Empty when `complete`. */
  unsupported: UnsupportedOp[];
  /** False when some operators were not costed: totals are then lower bounds. */
  complete: boolean;
}

function defaultOpset(model: OnnxModel): number {
  const entry = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx');
  // Without it every operator's version (and so its attribute-or-input layout) is unknown.
  if (!entry || entry.version < 1) {
    throw new ProfilerError(
      'INVALID_GRAPH',
      `The model imports no ai.onnx opset (opset_import lists ${model.opsetImport.map((o) => `'${o.domain}' ${o.version}`).join(', ') || 'nothing'}): re-export it with torch.onnx.export or tf2onnx, which always declare one.`,
    );
  }
  return entry.version;
}

/** See {@link OnnxProfile.params}. */
function countParams(graph: OnnxGraph): number {
  let params = 0;
  for (const init of graph.initializers) {
    if (isWeightType(init.dataType)) params += elementCount(init.dims);
  }
  // Some exporters (and constant folding of small subgraphs) keep weights in Constant nodes.
  // Single values there are operator arguments (Clip bounds, epsilons, scales), not weights.
  for (const node of graph.nodes) {
    if (node.opType !== 'Constant' || (node.domain !== '' && node.domain !== 'ai.onnx')) continue;
    for (const attr of node.attributes) {
      const count =
        attr.name === 'value' && attr.t && isWeightType(attr.t.dataType)
          ? elementCount(attr.t.dims)
          : attr.name === 'value_floats'
            ? attr.floats.length
            : 0;
      if (count > 1) params += count;
    }
  }
  return params;
}

export function profileOnnx(bytes: Uint8Array, options: ProfileOptions = {}): OnnxProfile {
  if (options.inputSize !== undefined) checkInputSize(options.inputSize);
  const model = decodeModel(bytes);
  const { graph } = model;
  const opset = defaultOpset(model);
  const image = resolveImageInput(graph, options.inputSize);
  const output = resolveOutput(graph);
  const batch = image.shape[0];

  const { values, nodes } = inferShapes(graph, opset, image);

  const byOp: Record<string, OpTotals> = {};
  const unsupported = new Map<string, UnsupportedOp>();
  let macs = 0;
  let flops = 0;
  const report = (opType: string, domain: string, reason: string) => {
    const key = `${domain}\u0000${opType}\u0000${reason}`;
    const entry = unsupported.get(key) ?? { opType, domain, count: 0, reason };
    entry.count++;
    unsupported.set(key, entry);
  };
  for (const n of nodes) {
    const { opType, domain } = n.node;
    if (n.status !== 'ok') {
      report(opType, domain, n.reason ?? n.status);
      continue;
    }
    const cost = nodeCost(n);
    if (!cost) {
      report(opType, domain, 'no cost rule for this operator');
      continue;
    }
    const totals = (byOp[opType] ??= { count: 0, macs: 0, flops: 0 });
    totals.count++;
    totals.macs += cost.macs / batch;
    totals.flops += cost.flops / batch;
    macs += cost.macs / batch;
    flops += cost.flops / batch;
  }

  const inferredOut = values.get(output.name);
  const declaredOut = output.tensorType?.shape ?? null;
  if (!inferredOut && !nodes.some((n) => n.node.outputs.includes(output.name))) {
    throw new ProfilerError(
      'INVALID_GRAPH',
      `Output '${output.name}' is produced by no node, input or initializer: the graph is not valid ONNX; re-export it.`,
    );
  }
  if (inferredOut && (inferredOut.shape.length !== 2 || inferredOut.shape[0] !== batch)) {
    throw new ProfilerError(
      'BAD_OUTPUT',
      `Output '${output.name}' comes out as [${inferredOut.shape.join(', ')}] for input [${image.shape.join(', ')}], not logits [${batch}, classes]: export the classifier head's output (flatten it if needed).`,
    );
  }

  const params = countParams(graph);

  const declaredClasses = declaredOut?.[1];
  const classes =
    inferredOut?.shape[1] ?? (typeof declaredClasses === 'number' ? declaredClasses : null);
  const list = [...unsupported.values()].sort(
    (a, b) => b.count - a.count || a.opType.localeCompare(b.opType),
  );
  return {
    macs: Math.round(macs),
    flops: Math.round(flops),
    params,
    opset,
    irVersion: model.irVersion,
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    inputs: [{ name: image.name, shape: image.shape, declaredShape: image.declaredShape }],
    outputs: [
      {
        name: output.name,
        shape: inferredOut ? inferredOut.shape : null,
        declaredShape: declaredOut,
      },
    ],
    classes,
    batch,
    nodes: graph.nodes.length,
    byOp,
    unsupported: list,
    complete: list.length === 0,
  };
}
