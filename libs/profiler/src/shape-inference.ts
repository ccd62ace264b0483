// Walks the graph in order (ONNX requires topological order) and infers every tensor's shape at
// the resolved input size, carrying small constants so shape sub-graphs fold. Nothing is guessed:
// an operator without a rule, or one whose output depends on run-time data, is reported, and every
// tensor downstream of it stays unknown (its consumers are reported as "input shape unknown").
import { Attributes } from './attributes';
import { ProfilerError } from './errors';
import type { OnnxGraph, OnnxNode } from './onnx-model';
import { DataType } from './onnx-model';
import { SHAPE_RULES } from './shape-rules';
import type { Tensor } from './tensor';
import { MAX_CONSTANT_ELEMENTS, ShapeError, UnsupportedNodeError } from './tensor';
import { constantTensor } from './tensor-values';

export type NodeStatus = 'ok' | 'unsupported' | 'unknown-input';

export interface InferredNode {
  node: OnnxNode;
  /** Per input; `undefined` for an omitted optional input or (status unknown-input) an unknown one. */
  inputs: (Tensor | undefined)[];
  /** Per output; `undefined` where the shape is unknown. */
  outputs: (Tensor | undefined)[];
  status: NodeStatus;
  /** Why the node is not `ok`. */
  reason?: string;
}

export interface ShapeInference {
  values: Map<string, Tensor>;
  nodes: InferredNode[];
}

/** Initializers worth carrying as data: integer tensors (shapes, indices) and float scalars. */
const SMALL_FLOAT = 64;

export function describeNode(node: OnnxNode): string {
  return `${node.opType} node${node.name ? ` '${node.name}'` : ''} (output '${node.outputs[0] ?? ''}')`;
}

export function inferShapes(
  graph: OnnxGraph,
  opset: number,
  image: { name: string; shape: number[]; dtype: number },
): ShapeInference {
  const values = new Map<string, Tensor>();
  for (const init of graph.initializers) {
    const isFloat =
      init.dataType === DataType.FLOAT ||
      init.dataType === DataType.DOUBLE ||
      init.dataType === DataType.FLOAT16;
    values.set(init.name, constantTensor(init, isFloat ? SMALL_FLOAT : MAX_CONSTANT_ELEMENTS));
  }
  values.set(image.name, { shape: image.shape, dtype: image.dtype });

  const unknown = new Set<string>();
  const nodes: InferredNode[] = [];
  for (const node of graph.nodes) {
    const inferred = inferNode(node, opset, values, unknown);
    inferred.outputs.forEach((t, i) => {
      const name = node.outputs[i];
      if (!name) return;
      if (t) values.set(name, t);
      else unknown.add(name);
    });
    nodes.push(inferred);
  }
  return { values, nodes };
}

function inferNode(
  node: OnnxNode,
  opset: number,
  values: Map<string, Tensor>,
  unknown: Set<string>,
): InferredNode {
  const unknownOutputs = node.outputs.map(() => undefined);
  let missing = false;
  const inputs = node.inputs.map((name) => {
    if (name === '') return undefined;
    const t = values.get(name);
    if (t) return t;
    if (unknown.has(name)) {
      missing = true;
      return undefined;
    }
    throw new ProfilerError(
      'INVALID_GRAPH',
      `${describeNode(node)} reads tensor '${name}', which no node, input or initializer defines (or it is defined later): the graph is not valid ONNX; re-export it or run onnx.checker.check_model.`,
    );
  });
  if (node.domain !== '' && node.domain !== 'ai.onnx') {
    return {
      node,
      inputs,
      outputs: unknownOutputs,
      status: 'unsupported',
      reason: `custom operator from domain '${node.domain}'`,
    };
  }
  if (missing) {
    return {
      node,
      inputs,
      outputs: unknownOutputs,
      status: 'unknown-input',
      reason: 'input shape unknown (downstream of an unsupported operator)',
    };
  }
  const rule = SHAPE_RULES[node.opType];
  if (!rule) {
    return {
      node,
      inputs,
      outputs: unknownOutputs,
      status: 'unsupported',
      reason: 'no shape rule for this operator',
    };
  }
  const shapes = () => inputs.map((t) => (t ? `[${t.shape.join(', ')}]` : '-')).join(', ');
  try {
    const outputs = rule({ node, opset, inputs, attrs: new Attributes(node) });
    return {
      node,
      inputs,
      outputs: checkDims(node.outputs.map((_, i) => outputs[i])),
      status: 'ok',
    };
  } catch (error) {
    if (error instanceof UnsupportedNodeError) {
      return {
        node,
        inputs,
        outputs: unknownOutputs,
        status: 'unsupported',
        reason: error.message,
      };
    }
    if (error instanceof ShapeError) {
      throw new ProfilerError(
        'INVALID_GRAPH',
        `${describeNode(node)} cannot run on inputs ${shapes()}: ${error.message}. Check the input size (--input-size) or re-export the model.`,
      );
    }
    if (error instanceof ProfilerError) throw error;
    // A rule tripped over input it did not expect (an op with no inputs, a negative size):
    // still a broken graph, and the user needs to know which node, not a stack trace.
    const message = error instanceof Error ? error.message : String(error);
    throw new ProfilerError(
      'INVALID_GRAPH',
      `${describeNode(node)} cannot run on inputs ${shapes()} (${message}): the graph is not valid ONNX; re-export it or run onnx.checker.check_model.`,
    );
  }
}

/**
 * Rules do plain arithmetic on dims, so a graph that breaks an operator's constraints can yield
 * 1.5, NaN or -3 where ONNX would refuse the model; nothing downstream may see such a shape.
 */
function checkDims(outputs: (Tensor | undefined)[]): (Tensor | undefined)[] {
  outputs.forEach((t, i) => {
    const bad = t?.shape.find((d) => !Number.isSafeInteger(d) || d < 0);
    if (t && bad !== undefined) {
      throw new ShapeError(
        `output ${i} would have shape [${t.shape.join(', ')}], and ${bad} is not a valid dimension`,
      );
    }
  });
  return outputs;
}
