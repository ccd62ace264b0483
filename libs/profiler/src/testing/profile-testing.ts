// Test-only helpers shared by the profileOnnx specs.
import { ProfilerError } from '../errors';
import type { OnnxProfile } from '../profile-onnx';
import { profileOnnx } from '../profile-onnx';
import type { ModelSpec } from './onnx-builder';
import { buildModel } from './onnx-builder';

export function profileSpec(spec: ModelSpec): OnnxProfile {
  return profileOnnx(buildModel(spec));
}

export function errorOf(fn: () => unknown): ProfilerError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ProfilerError) return error;
    throw error;
  }
  throw new Error('expected a ProfilerError');
}

/** image [1,C,H,W] -> `nodes` -> GlobalAveragePool -> Flatten -> logits; `nodes` end in 'feat'. */
export function withBody(
  nodes: ModelSpec['nodes'],
  options: Partial<ModelSpec> & { shape?: number[] } = {},
): ModelSpec {
  return {
    ...options,
    inputs: [{ name: 'x', shape: options.shape ?? [1, 3, 8, 8] }],
    outputs: [{ name: 'y' }],
    nodes: [
      ...nodes,
      { op: 'GlobalAveragePool', inputs: ['feat'], outputs: ['g'] },
      { op: 'Flatten', inputs: ['g'], outputs: ['y'] },
    ],
  };
}
