// Test-only: runs one shape rule (and its cost rule) on hand-made tensors, without a model file.
import { Attributes } from '../attributes';
import type { OnnxAttribute, OnnxNode } from '../onnx-model';
import { emptyAttribute } from '../onnx-model';
import type { NodeCost } from '../op-costs';
import { COST_RULES } from '../op-costs';
import { SHAPE_RULES } from '../shape-rules';
import type { Tensor } from '../tensor';

/** An integer, integer list, string, or `{ floats }` attribute value. */
export type AttrValue = number | number[] | string | { floats: number[] };

export interface RuleOptions {
  opset?: number;
  /** Number of node outputs (Split, TopK). */
  outputs?: number;
}

function attribute(name: string, value: AttrValue): OnnxAttribute {
  const attr = emptyAttribute(name);
  if (typeof value === 'number') attr.i = value;
  else if (typeof value === 'string') attr.s = new TextEncoder().encode(value);
  else if (Array.isArray(value)) attr.ints = value;
  else attr.floats = value.floats;
  return attr;
}

export function testNode(
  op: string,
  inputs: (Tensor | undefined)[],
  attrs: Record<string, AttrValue>,
  outputs = 1,
): OnnxNode {
  return {
    name: `${op}_test`,
    opType: op,
    domain: '',
    inputs: inputs.map((t, i) => (t ? `i${i}` : '')),
    outputs: Array.from({ length: outputs }, (_, i) => `o${i}`),
    attributes: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
  };
}

export function runRule(
  op: string,
  inputs: (Tensor | undefined)[],
  attrs: Record<string, AttrValue> = {},
  options: RuleOptions = {},
): (Tensor | undefined)[] {
  const node = testNode(op, inputs, attrs, options.outputs);
  return SHAPE_RULES[op]({
    node,
    opset: options.opset ?? 17,
    inputs,
    attrs: new Attributes(node),
  });
}

/** The node's output shape and its cost rule's answer. */
export function costOf(
  op: string,
  inputs: (Tensor | undefined)[],
  attrs: Record<string, AttrValue> = {},
  options: RuleOptions = {},
): { shape: number[] | undefined; cost: NodeCost } {
  const node = testNode(op, inputs, attrs, options.outputs);
  const outputs = runRule(op, inputs, attrs, options);
  const cost = COST_RULES[op]({ node, inputs, outputs, status: 'ok' });
  return { shape: outputs[0]?.shape, cost };
}

/** A float tensor of the given shape with no values (activations, weights). */
export const floats = (...shape: number[]): Tensor => ({ shape, dtype: 1 });

/** An int64 1-D constant (shape vectors, axes, sizes). */
export const int64s = (data: number[]): Tensor => ({ shape: [data.length], dtype: 7, data });

/** A float 1-D constant (Resize scales). */
export const floatConst = (data: number[]): Tensor => ({ shape: [data.length], dtype: 1, data });
