import { availableParallelism } from 'node:os';
import {
  EXECUTION_PROVIDERS,
  QUEUE_CHOICES,
  QUEUE_NAMES,
  queueNamed,
  type ExecutionProviderName,
  type QueueName,
} from '@tinysaver/contracts';
import {
  EnvReader,
  readFarmConnections,
  type Env,
  type FarmConnections,
} from '@tinysaver/farm-config';

export type ExecutionProvider = ExecutionProviderName;
export { ConfigError as WorkerConfigError } from '@tinysaver/farm-config';

/** Everything the worker reads from its environment, validated once at start and frozen. */
export interface WorkerConfig extends FarmConnections {
  readonly queues: readonly QueueName[];
  /** Compute threads (each with its own onnxruntime sessions). @defaultValue cores ÷ intra-op threads */
  readonly computeThreads: number;
  /** onnxruntime intra-op threads per compute thread. @defaultValue cores ÷ compute threads */
  readonly intraOpThreads: number;
  /**
   * Whether onnxruntime's intra-op threads spin while they wait for work. Off by default: the
   * worker decodes the next batch while a batch is inferred, and spinning threads take the cores
   * the decoder needs (bench/README.md, inference). @defaultValue false
   */
  readonly ortSpinning: boolean;
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
  /** Aggregate (search) jobs held at once; each waits in steps and analyses in a thread. @defaultValue 4 */
  readonly aggregateConcurrency: number;
  /** How often a search waiting for records looks again (ms). @defaultValue 2 000 */
  readonly searchPollMs: number;
  /** Bootstrap resamples for the best saver's budget intervals; 0 turns intervals off. @defaultValue 200 */
  readonly bootstrapReplicates: number;
  /** How long SIGTERM waits for the job in hand before handing it back. @defaultValue 300 000 */
  readonly shutdownGraceMs: number;
  /**
   * Where `/health/live`, `/health` and `/metrics` are served; undefined = not served (the default,
   * so several workers on one host never fight over a port; deployments set it).
   */
  readonly http: { readonly host: string; readonly port: number } | undefined;
}

const MiB = 1024 * 1024;

/** Reads and checks the environment (once, in main); collects every problem before failing. */
export function readWorkerConfig(env: Env, cores = availableParallelism()): WorkerConfig {
  const read = new EnvReader(env, 'worker');
  const connections = readFarmConnections(read);

  // Full queue names or their job names (`records` for `tinysaver-records`).
  const queues: QueueName[] = [];
  for (const given of read.list('WORKER_QUEUES', QUEUE_NAMES.join(','))) {
    const queue = queueNamed(given);
    if (queue === undefined)
      read.problem(`WORKER_QUEUES names '${given}'; choose from ${QUEUE_CHOICES}.`);
    else if (!queues.includes(queue)) queues.push(queue);
  }

  const providers = read.list('ORT_EXECUTION_PROVIDERS', 'cpu').map((p) => p.toLowerCase());
  for (const p of providers)
    if (!(EXECUTION_PROVIDERS as readonly string[]).includes(p))
      read.problem(
        `ORT_EXECUTION_PROVIDERS names '${p}'; use a list of ${EXECUTION_PROVIDERS.join(', ')} (e.g. cuda,cpu).`,
      );
  const executionProviders = [
    ...new Set([...(providers as ExecutionProvider[]).filter((p) => p !== 'cpu'), 'cpu' as const]),
  ];

  // Fit compute threads × intra-op threads into the cores unless told otherwise.
  const givenThreads = read.int('WORKER_CONCURRENCY', 0, 1, 256);
  const givenIntra = read.int('ORT_INTRA_OP_THREADS', 0, 1, 256);
  const computeThreads = givenThreads || Math.max(1, Math.floor(cores / (givenIntra || cores)));
  const intraOpThreads = givenIntra || Math.max(1, Math.floor(cores / computeThreads));

  const bootstrapReplicates = read.int('BOOTSTRAP_REPLICATES', 200, 0, 100_000);
  if (bootstrapReplicates === 1)
    read.problem(
      'BOOTSTRAP_REPLICATES=1 cannot make an interval; use 0 to turn intervals off or at least 2 (200 is the default).',
    );
  const httpPort = read.int('WORKER_HTTP_PORT', -1, 0, 65_535);
  const httpHost = read.text('WORKER_HTTP_HOST', '127.0.0.1');
  return read.done({
    ...connections,
    queues,
    computeThreads,
    intraOpThreads,
    ortSpinning: read.flag('ORT_SPINNING', false),
    decodeThreads: read.int('DECODE_THREADS', 1, 1, 64),
    executionProviders,
    batchSize: read.int('WORKER_BATCH_SIZE', 64, 1, 4096),
    prefetch: read.int('WORKER_PREFETCH', 1, 0, 16),
    sessionCacheBytes: read.int('SESSION_CACHE_MB', 2048, 16, 1_048_576) * MiB,
    maxShardBytes: read.int('MAX_SHARD_MB', 2048, 1, 1_048_576) * MiB,
    maxModelBytes: read.int('MAX_MODEL_MB', 2048, 1, 1_048_576) * MiB,
    lockDurationMs: read.int('WORKER_LOCK_DURATION_MS', 30_000, 500, 3_600_000),
    stalledIntervalMs: read.int('WORKER_STALLED_INTERVAL_MS', 30_000, 500, 3_600_000),
    shutdownGraceMs: read.int('SHUTDOWN_GRACE_MS', 300_000, 0, 86_400_000),
    aggregateConcurrency: read.int('AGGREGATE_CONCURRENCY', 4, 1, 256),
    searchPollMs: read.int('SEARCH_POLL_MS', 2_000, 50, 600_000),
    bootstrapReplicates,
    http: httpPort < 0 ? undefined : { host: httpHost, port: httpPort },
  });
}
