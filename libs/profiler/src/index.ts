export { PROFILER_ERROR_CODES, ProfilerError } from './errors';
export type { ProfilerErrorCode } from './errors';
export { profileOnnx } from './profile-onnx';
export type { OnnxProfile, OpTotals, ProfileOptions, UnsupportedOp } from './profile-onnx';
export type { DeclaredDim } from './onnx-model';
