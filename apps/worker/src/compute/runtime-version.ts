import { createRequire } from 'node:module';

/** The onnxruntime-node version this worker runs, recorded with every record. */
export const ONNXRUNTIME_VERSION = (
  createRequire(__filename)('onnxruntime-node/package.json') as { version: string }
).version;
