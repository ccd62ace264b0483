import type { ResolvedPreprocess } from '@tinysaver/cascade';
import type {
  ModelProfileDocument,
  ModelView,
  ObjectRef,
  UploadInstructions,
} from '@tinysaver/contracts';

export type { ModelView, UploadInstructions } from '@tinysaver/contracts';

/**
 * `model.json`: a tenant's registered model (durable, in S3). Without `sha256` it waits for its
 * presigned upload; the first read after the object appears completes the registration.
 */
export interface ModelDocument {
  readonly name: string;
  readonly uri: string;
  readonly object: ObjectRef;
  readonly sha256?: string;
  readonly bytes?: number;
  readonly preprocess: ResolvedPreprocess;
  readonly registeredAt: string;
}

export function viewModel(
  doc: ModelDocument,
  profile: ModelProfileDocument | undefined,
  upload?: UploadInstructions,
): ModelView {
  const base = {
    name: doc.name,
    uri: doc.uri,
    sha256: doc.sha256,
    bytes: doc.bytes,
    preprocess: doc.preprocess,
    registeredAt: doc.registeredAt,
  };
  if (doc.sha256 === undefined) return { ...base, status: 'awaiting-upload', upload };
  // A profile of other bytes (the model was registered again since) does not count.
  if (!profile || profile.sha256 !== doc.sha256) return { ...base, status: 'profiling' };
  if (profile.status === 'invalid')
    return { ...base, status: 'invalid', reason: { code: profile.code, message: profile.reason } };
  return {
    ...base,
    status: 'ready',
    profile: {
      macs: profile.macs,
      flops: profile.flops,
      params: profile.params,
      classes: profile.numClasses,
      inputSize: profile.input.shape,
      complete: profile.complete,
      executionProvider: profile.executionProvider,
    },
  };
}
