// Resolves what the profiler feeds the graph: one NCHW float image input, its concrete size, and
// the single logits output.
import { ProfilerError } from './errors';
import type { DeclaredDim, OnnxGraph, OnnxValueInfo } from './onnx-model';
import { dataTypeName, isFloatType } from './onnx-model';

export interface ImageInput {
  name: string;
  dtype: number;
  declaredShape: DeclaredDim[] | null;
  /** [N, C, H, W] with N the batch shapes are inferred at (the file's fixed batch, else 1). */
  shape: number[];
}

function formatShape(shape: DeclaredDim[] | null | undefined): string {
  return shape
    ? `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`
    : 'unknown shape';
}

/** "an int64", "a uint8": the article by sound for the type names dataTypeName returns. */
function article(word: string): string {
  // 'uint8' starts with a "you" sound; 'undefined' and 'int64' with a vowel.
  return `${/^([aeio]|und)/.test(word) ? 'an' : 'a'} ${word}`;
}

/** Validates the `inputSize` option: three positive integers. */
export function checkInputSize(size: unknown): asserts size is [number, number, number] {
  if (
    !Array.isArray(size) ||
    size.length !== 3 ||
    !size.every((d) => Number.isInteger(d) && (d as number) > 0)
  ) {
    throw new ProfilerError(
      'INVALID_OPTION',
      `inputSize must be three positive integers [C, H, W] (for example [3, 224, 224]), got ${JSON.stringify(size)}.`,
    );
  }
}

export function resolveImageInput(
  graph: OnnxGraph,
  inputSize?: [number, number, number],
): ImageInput {
  const initializers = new Set(graph.initializers.map((t) => t.name));
  // Before IR 4 initializers were also listed as inputs; those are weights, not inputs.
  const inputs = graph.inputs.filter((i) => !initializers.has(i.name));
  if (inputs.length === 0) {
    throw new ProfilerError(
      'NO_IMAGE_INPUT',
      'The model has no input (every graph input is an initializer): export it with the image tensor as an input.',
    );
  }
  if (inputs.length > 1) {
    throw new ProfilerError(
      'MULTIPLE_INPUTS',
      `The model has ${inputs.length} inputs (${inputs.map((i) => `'${i.name}'`).join(', ')}); the profiler handles classifiers with one NCHW image input: export a single-input model.`,
    );
  }
  return imageInput(inputs[0], inputSize);
}

function imageInput(info: OnnxValueInfo, inputSize?: [number, number, number]): ImageInput {
  const type = info.tensorType;
  if (!type || !isFloatType(type.elemType)) {
    throw new ProfilerError(
      'NO_IMAGE_INPUT',
      `Input '${info.name}' is ${type ? `${article(dataTypeName(type.elemType))} tensor` : 'not a tensor'}, not a float image: export the model with a float32 NCHW image input.`,
    );
  }
  const declared = type.shape ?? null;
  if (declared && declared.length !== 4) {
    throw new ProfilerError(
      'NO_IMAGE_INPUT',
      `Input '${info.name}' has shape ${formatShape(declared)}, not an NCHW image [N, C, H, W]: export the model with a 4-D image input.`,
    );
  }
  const fixed = (d: DeclaredDim | undefined): number | undefined =>
    typeof d === 'number' && d > 0 ? d : undefined;
  const [n, c, h, w] = declared
    ? declared.map(fixed)
    : [undefined, undefined, undefined, undefined];
  // NHWC only when the last dim is a plausible channel count and both dims before it are too
  // big to be one: a real NCHW [1, 6, 4, 4] (small spatial size) must pass.
  if (
    w !== undefined &&
    [1, 3, 4].includes(w) &&
    c !== undefined &&
    c > 4 &&
    h !== undefined &&
    h > 4
  ) {
    throw new ProfilerError(
      'NO_IMAGE_INPUT',
      `Input '${info.name}' has shape ${formatShape(declared)}, which looks like NHWC: export with channels first (NCHW), e.g. tf2onnx --inputs-as-nchw.`,
    );
  }
  const chw = [c, h, w];
  if (inputSize) {
    checkInputSize(inputSize);
    chw.forEach((d, i) => {
      if (d !== undefined && d !== inputSize[i]) {
        throw new ProfilerError(
          'INPUT_SIZE_MISMATCH',
          `The input size ${inputSize.join(',')} disagrees with input '${info.name}' ${formatShape(declared)}: drop --input-size or pass ${[c, h, w].map((x, j) => x ?? inputSize[j]).join(',')}.`,
        );
      }
    });
  }
  const resolved = chw.map((d, i) => d ?? inputSize?.[i]);
  if (resolved.some((d) => d === undefined)) {
    throw new ProfilerError(
      'INPUT_SIZE_REQUIRED',
      `Input '${info.name}' has shape ${formatShape(declared)} with a symbolic C, H or W: pass the size, e.g. --input-size 3,224,224 (option inputSize: [3, 224, 224]).`,
    );
  }
  return {
    name: info.name,
    dtype: type.elemType,
    declaredShape: declared,
    shape: [n ?? 1, ...(resolved as number[])],
  };
}

/** The graph's single output; its shape is checked against [N, classes] after inference. */
export function resolveOutput(graph: OnnxGraph): OnnxValueInfo {
  if (graph.outputs.length !== 1) {
    throw new ProfilerError(
      'BAD_OUTPUT',
      `The model has ${graph.outputs.length} outputs (${graph.outputs.map((o) => `'${o.name}'`).join(', ')}); the profiler expects one logits output [N, classes]: export only the classifier's logits.`,
    );
  }
  const output = graph.outputs[0];
  const declared = output.tensorType?.shape;
  if (declared && declared.length !== 2) {
    throw new ProfilerError(
      'BAD_OUTPUT',
      `Output '${output.name}' has shape ${formatShape(declared)}, not logits [N, classes]: export the classifier head's output (flatten it if needed).`,
    );
  }
  return output;
}
