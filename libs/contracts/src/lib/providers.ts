/** onnxruntime execution providers a worker may be configured with (in order of preference). */
export const EXECUTION_PROVIDERS = ['cpu', 'cuda'] as const;
export type ExecutionProviderName = (typeof EXECUTION_PROVIDERS)[number];
