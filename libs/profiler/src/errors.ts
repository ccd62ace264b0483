import { CodedError } from '@tinysaver/errors';

// The one catalogue of profiler error codes. Codes are stable (the CLI and the farm's API match
// on them); messages are built where the error is thrown and always name what is wrong and the fix.

/** Every code a {@link ProfilerError} can carry, with what it means. */
export const PROFILER_ERROR_CODES = {
  /** The bytes are empty, not a protobuf message, or a protobuf message that is not a ModelProto. */
  NOT_ONNX: 'The bytes are not an ONNX model.',
  /** The protobuf stream ends inside a field: the file was cut short (partial download or copy). */
  TRUNCATED: 'The ONNX file ends early.',
  /** A structurally valid ModelProto whose graph breaks ONNX rules (undefined tensor, bad shapes). */
  INVALID_GRAPH: 'The ONNX graph is inconsistent.',
  /** No graph input is left once initializers are set aside, or it is not an NCHW float image. */
  NO_IMAGE_INPUT: 'The model has no NCHW float image input.',
  /** More than one graph input is not an initializer: the profiler handles single-image classifiers. */
  MULTIPLE_INPUTS: 'The model has several inputs.',
  /** The image input leaves C, H or W symbolic and no `inputSize` option was given. */
  INPUT_SIZE_REQUIRED: 'The input size is symbolic.',
  /** The `inputSize` option disagrees with a size the file fixes. */
  INPUT_SIZE_MISMATCH: 'The given input size disagrees with the model.',
  /** An option is malformed (for example `inputSize` that is not three positive integers). */
  INVALID_OPTION: 'An option is invalid.',
  /** The model has several outputs, or its output is not logits shaped [N, classes]. */
  BAD_OUTPUT: 'The model output is not [N, classes] logits.',
  /** A tensor the profiler must read (a shape constant) is stored in an external data file. */
  EXTERNAL_DATA: 'Tensor data lives in an external file the profiler cannot read.',
} as const;

export type ProfilerErrorCode = keyof typeof PROFILER_ERROR_CODES;

/** A file or option the profiler cannot work with; `code` is stable, `message` says the fix. */
export class ProfilerError extends CodedError<ProfilerErrorCode> {
  override readonly name = 'ProfilerError';
}
