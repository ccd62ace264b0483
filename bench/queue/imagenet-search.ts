// A search the size of ImageNet's train split: 1,281,167 images as 1,281 shards of ~1,000, and
// 10 models — the SearchSpec the API would write (models pinned by sha256 with a resolved
// preprocessing, shards pinned by ETag), so the aggregate processor reads it as it is.
// Selection and evaluation name the same dataset, so the search needs exactly shards × models
// records, one records job per shard (searchSplits reads a shared dataset once).
import { createHash } from 'node:crypto';
import { resolvePreprocess } from '@tinysaver/cascade';
import {
  SEARCH_SPEC_VERSION,
  SearchSpecSchema,
  type DatasetSnapshot,
  type ProfiledModelRef,
  type SearchSpec,
} from '@tinysaver/contracts';
import type { FarmLayout } from '@tinysaver/storage';

export interface SearchShape {
  readonly models: number;
  readonly shards: number;
}

export const IMAGENET_SEARCH: SearchShape = { models: 10, shards: 1281 };

const md5 = (text: string) => createHash('md5').update(text).digest('hex');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** timm-style ImageNet preprocessing; half the models at 224, half at 256 (distinct record keys). */
const preprocessAt = (size: number) =>
  resolvePreprocess({
    inputSize: [3, size, size],
    cropPct: 0.875,
    interpolation: 'bilinear',
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
  });

export function imagenetSearchSpec(
  shape: SearchShape,
  layout: FarmLayout,
  bucket: string,
  tenant: string,
  searchId: string,
): SearchSpec {
  const models: ProfiledModelRef[] = Array.from({ length: shape.models }, (_, m) => {
    const name = `imagenet-model-${String(m).padStart(2, '0')}`;
    return {
      name,
      sha256: sha256(`bench/queue model ${m}`),
      object: { bucket, key: layout.modelUploadKey(tenant, name) },
      preprocess: preprocessAt(m % 2 ? 256 : 224),
      macs: Math.round(3e8 * 1.5 ** m),
      numClasses: 1000,
    };
  });
  const dataset: DatasetSnapshot = {
    name: 'imagenet-train',
    numClasses: 1000,
    shards: Array.from({ length: shape.shards }, (_, s) => {
      const id = `train-${String(s).padStart(6, '0')}.tar`;
      return {
        id,
        object: { bucket, key: `${layout.datasetsPrefix(tenant)}imagenet-train/shards/${id}` },
        // S3's ETag of a single-part upload: the quoted md5 of the bytes.
        etag: `"${md5(`bench/queue shard ${s}`)}"`,
      };
    }),
  };
  const names = models.map((m) => m.name);
  return SearchSpecSchema.parse({
    v: SEARCH_SPEC_VERSION,
    id: searchId,
    tenant,
    createdAt: new Date(0).toISOString(),
    request: {
      bases: [names[names.length - 1]],
      savers: 'all-cheaper',
      selection: dataset.name,
      evaluation: dataset.name,
      budgets: [0.5, 1],
      topK: 5,
      chains: false,
    },
    plan: [{ base: names[names.length - 1], savers: names.slice(0, -1) }],
    models,
    selection: dataset,
    evaluation: dataset,
  } satisfies SearchSpec);
}
