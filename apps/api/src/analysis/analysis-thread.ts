// Curves and what-if answers for the API, off its event loop: loading records, aligning a pair
// and sorting its confidences take tens of milliseconds at 50,000 samples.
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import {
  alignRecords,
  CascadeError,
  exactCurveColumns,
  gridCurve,
  prepareOutcomes,
  whatIf,
  type ModelOutcomes,
  type ModelRecord,
} from '@tinysaver/cascade';
import {
  createS3Client,
  FarmLayout,
  formatS3Uri,
  loadSplitRecord,
  type RecordSource,
  type SplitSource,
} from '@tinysaver/storage';
import { BoundedCache } from '../common/bounded-cache';
import type {
  AnalysisMessage,
  AnalysisReply,
  AnalysisRequest,
  AnalysisThreadData,
  PairSource,
} from './analysis-protocol';

const data = workerData as AnalysisThreadData;
const client = createS3Client({
  endpoint: data.s3.endpoint,
  region: data.s3.region,
  requestTimeoutMs: data.s3.requestTimeoutMs,
  maxAttempts: data.s3.maxAttempts,
});
const layout = new FarmLayout(data.s3.prefix);
const pairs = new BoundedCache<string, Promise<{ saver: ModelOutcomes; base: ModelOutcomes }>>(
  data.cachedPairs,
);

/** A failure with the HTTP status and code the API answers with. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function read(key: string): Promise<Uint8Array> {
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: data.s3.bucket, Key: key }));
    return await out.Body!.transformToByteArray();
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (
      name === 'NoSuchKey' ||
      (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404
    )
      throw new Refusal(
        409,
        'records-missing',
        `Record ${formatS3Uri(data.s3.bucket, key)} is missing; resubmit the search (or cascade run) so its records are computed again.`,
      );
    throw new Refusal(
      503,
      'storage-unavailable',
      `S3 failed on GET ${formatS3Uri(data.s3.bucket, key)} (${name ?? 'Error'}); try again shortly.`,
    );
  }
}

const splitId = (split: SplitSource) =>
  createHash('sha256')
    .update(split.shards.map((s) => s.etag).join('\n'))
    .digest('hex');
const modelId = (m: RecordSource) => `${m.sha256}/${m.preprocess}/${m.macs}/${m.name}`;

/** The pair's outcomes on a split, the base aligned to the saver's sample order. */
function pairOutcomes(pair: PairSource, split: SplitSource) {
  const key = `${modelId(pair.saver)}|${modelId(pair.base)}|${splitId(split)}`;
  let entry = pairs.get(key);
  if (!entry) {
    entry = (async () => {
      const [saver, base]: ModelRecord[] = await Promise.all([
        loadSplitRecord(read, layout, pair.saver, split),
        loadSplitRecord(read, layout, pair.base, split),
      ]);
      return {
        saver: prepareOutcomes({ ...saver, macsPerSample: pair.saver.macs }),
        base: prepareOutcomes({ ...alignRecords(saver, base), macsPerSample: pair.base.macs }),
      };
    })();
    // A failed load is not kept: the next request tries again.
    entry.catch(() => pairs.delete(key));
    pairs.set(key, entry);
  }
  return entry;
}

async function answer(request: AnalysisRequest): Promise<unknown> {
  switch (request.op) {
    case 'curve': {
      const { saver, base } = await pairOutcomes(request.pair, request.split);
      return request.exact ? exactCurveColumns(saver, base) : gridCurve(saver, base);
    }
    case 'what-if': {
      const [selection, evaluation] = await Promise.all([
        pairOutcomes(request.pair, request.selection),
        pairOutcomes(request.pair, request.evaluation),
      ]);
      return whatIf({ selection, evaluation }, request.query);
    }
    case 'point': {
      const outcomes = await pairOutcomes(request.pair, request.split);
      return whatIf({ selection: outcomes, evaluation: outcomes }, { threshold: request.threshold })
        .evaluation;
    }
  }
}

parentPort!.on('message', ({ id, request }: AnalysisMessage) => {
  answer(request).then(
    (value) => parentPort!.postMessage({ id, ok: true, value } satisfies AnalysisReply),
    (error: unknown) => {
      const reply: AnalysisReply =
        error instanceof Refusal
          ? { id, ok: false, status: error.status, code: error.code, message: error.message }
          : error instanceof CascadeError
            ? { id, ok: false, status: 409, code: 'analysis-failed', message: error.message }
            : {
                id,
                ok: false,
                status: 500,
                code: 'internal',
                message: (error as Error)?.stack ?? String(error),
              };
      parentPort!.postMessage(reply);
    },
  );
});
