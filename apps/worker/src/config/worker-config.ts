import { availableParallelism } from 'node:os';
import {
  EXECUTION_PROVIDERS,
  JobName,
  QUEUE_NAMES,
  type ExecutionProviderName,
  type QueueName,
} from '@tinysaver/contracts';

export type ExecutionProvider = ExecutionProviderName;

/** Everything the worker reads from its environment, validated once at start and frozen. */
export interface WorkerConfig {
  readonly redisUrl: string;
  /** BullMQ key prefix in Redis; tests give each run its own. @defaultValue `tinysaver` */
  readonly queuePrefix: string;
  readonly queues: readonly QueueName[];
  readonly s3: {
    /** undefined = AWS. */
    readonly endpoint: string | undefined;
    readonly region: string;
    readonly bucket: string;
    readonly prefix: string;
    /** Per-request timeout, so a stalled connection becomes a retryable error. */
    readonly requestTimeoutMs: number;
    /** SDK attempts per request before the job itself retries. */
    readonly maxAttempts: number;
  };
  /** Compute threads (each with its own onnxruntime sessions). @defaultValue cores ÷ intra-op threads */
  readonly computeThreads: number;
  /** onnxruntime intra-op threads per compute thread. @defaultValue cores ÷ compute threads */
  readonly intraOpThreads: number;
  /** libvips threads per compute thread (JPEG/WebP decode and resize). @defaultValue 1 */
  readonly decodeThreads: number;
  /** Providers to try in order; `cpu` is always the last resort. @defaultValue `['cpu']` */
  readonly executionProviders: readonly ExecutionProvider[];
  /** Images per inference batch. @defaultValue 64 */
  readonly batchSize: number;
  /** Jobs fetched beyond the compute threads, so the next shard downloads while one computes. @defaultValue 1 */
  readonly prefetch: number;
  /** Bytes of model files whose sessions each compute thread keeps open. @defaultValue 2 GiB */
  readonly sessionCacheBytes: number;
  readonly maxShardBytes: number;
  readonly maxModelBytes: number;
  /** BullMQ lock duration and stalled-job check interval (ms). @defaultValue 30 000 each */
  readonly lockDurationMs: number;
  readonly stalledIntervalMs: number;
  /** How long SIGTERM waits for the job in hand before handing it back. @defaultValue 300 000 */
  readonly shutdownGraceMs: number;
}

/** A bad environment: one line per bad variable, each naming the fix. */
export class WorkerConfigError extends Error {
  override readonly name = 'WorkerConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`worker configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;
const MiB = 1024 * 1024;

/** Reads and checks the environment (once, in main); collects every problem before failing. */
export function readWorkerConfig(env: Env, cores = availableParallelism()): WorkerConfig {
  const problems: string[] = [];
  const text = (name: string, fallback: string) => (env[name] ?? '').trim() || fallback;
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = (env[name] ?? '').trim();
    if (raw === '') return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name}='${raw}' must be an integer from ${min} to ${max}.`);
      return fallback;
    }
    return value;
  };

  const redisUrl = text('REDIS_URL', 'redis://127.0.0.1:6379');
  if (!/^rediss?:\/\/[^\s]+$/.test(redisUrl))
    problems.push(
      `REDIS_URL='${redisUrl}' must look like redis://host:6379 (or rediss:// for TLS).`,
    );
  const queuePrefix = text('QUEUE_PREFIX', 'tinysaver');
  if (!/^[A-Za-z0-9_.-]+$/.test(queuePrefix))
    problems.push(`QUEUE_PREFIX='${queuePrefix}' may hold only letters, digits, '.', '_' and '-'.`);

  // Full queue names or their job names (`records` for `tinysaver-records`).
  const queues: QueueName[] = [];
  for (const given of text('WORKER_QUEUES', QUEUE_NAMES.join(','))
    .split(',')
    .map((q) => q.trim())
    .filter(Boolean)) {
    const queue = QUEUE_NAMES.find((q) => q === given || JobName[q] === given);
    if (queue === undefined)
      problems.push(
        `WORKER_QUEUES names '${given}'; choose from ${QUEUE_NAMES.map((q) => JobName[q]).join(', ')} (or their full names ${QUEUE_NAMES.join(', ')}).`,
      );
    else if (!queues.includes(queue)) queues.push(queue);
  }

  const endpoint = (env.S3_ENDPOINT ?? '').trim() || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/\s]+/.test(endpoint))
    problems.push(`S3_ENDPOINT='${endpoint}' must be an http(s) URL, or empty for AWS.`);
  const bucket = (env.S3_BUCKET ?? '').trim();
  if (!bucket) problems.push('S3_BUCKET is not set; name the bucket the farm keeps its data in.');
  else if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    problems.push(`S3_BUCKET='${bucket}' is not a valid bucket name.`);
  const prefix = text('S3_PREFIX', '');
  if (prefix.includes('//') || prefix.split('/').includes('..'))
    problems.push(`S3_PREFIX='${prefix}' must not contain '//' or '..'.`);

  const providers = text('ORT_EXECUTION_PROVIDERS', 'cpu')
    .split(',')
    .map((p) => p.trim().toLowerCase())
    .filter(Boolean);
  for (const p of providers)
    if (!(EXECUTION_PROVIDERS as readonly string[]).includes(p))
      problems.push(
        `ORT_EXECUTION_PROVIDERS names '${p}'; use a list of ${EXECUTION_PROVIDERS.join(', ')} (e.g. cuda,cpu).`,
      );
  const executionProviders = [
    ...new Set([...(providers as ExecutionProvider[]).filter((p) => p !== 'cpu'), 'cpu' as const]),
  ];

  // Fit compute threads × intra-op threads into the cores unless told otherwise.
  const givenThreads = int('WORKER_CONCURRENCY', 0, 1, 256);
  const givenIntra = int('ORT_INTRA_OP_THREADS', 0, 1, 256);
  const computeThreads = givenThreads || Math.max(1, Math.floor(cores / (givenIntra || cores)));
  const intraOpThreads = givenIntra || Math.max(1, Math.floor(cores / computeThreads));

  const config: WorkerConfig = {
    redisUrl,
    queuePrefix,
    queues,
    s3: {
      endpoint,
      region: text('S3_REGION', 'us-east-1'),
      bucket,
      prefix,
      requestTimeoutMs: int('S3_REQUEST_TIMEOUT_MS', 60_000, 100, 3_600_000),
      maxAttempts: int('S3_MAX_ATTEMPTS', 3, 1, 20),
    },
    computeThreads,
    intraOpThreads,
    decodeThreads: int('DECODE_THREADS', 1, 1, 64),
    executionProviders,
    batchSize: int('WORKER_BATCH_SIZE', 64, 1, 4096),
    prefetch: int('WORKER_PREFETCH', 1, 0, 16),
    sessionCacheBytes: int('SESSION_CACHE_MB', 2048, 16, 1_048_576) * MiB,
    maxShardBytes: int('MAX_SHARD_MB', 2048, 1, 1_048_576) * MiB,
    maxModelBytes: int('MAX_MODEL_MB', 2048, 1, 1_048_576) * MiB,
    lockDurationMs: int('WORKER_LOCK_DURATION_MS', 30_000, 500, 3_600_000),
    stalledIntervalMs: int('WORKER_STALLED_INTERVAL_MS', 30_000, 500, 3_600_000),
    shutdownGraceMs: int('SHUTDOWN_GRACE_MS', 300_000, 0, 86_400_000),
  };
  if (problems.length) throw new WorkerConfigError(problems);
  return Object.freeze(config);
}
