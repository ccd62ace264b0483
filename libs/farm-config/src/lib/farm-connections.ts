import type { EnvReader } from './env-reader';

/** Where the farm's shared state lives: what the API and every worker must agree on. */
export interface FarmConnections {
  readonly redisUrl: string;
  /** BullMQ key prefix in Redis; tests give each run its own. @defaultValue `tinysaver` */
  readonly queuePrefix: string;
  readonly s3: {
    /** undefined = AWS. */
    readonly endpoint: string | undefined;
    readonly region: string;
    readonly bucket: string;
    /** Root prefix of everything the farm writes (no leading or trailing slash). */
    readonly prefix: string;
    /** Per-request timeout, so a stalled connection becomes a retryable error. */
    readonly requestTimeoutMs: number;
    /** SDK attempts per request. */
    readonly maxAttempts: number;
  };
}

/**
 * `REDIS_URL`, `QUEUE_PREFIX`, `S3_ENDPOINT`, `S3_REGION`, `S3_BUCKET`, `S3_PREFIX`,
 * `S3_REQUEST_TIMEOUT_MS`, `S3_MAX_ATTEMPTS`. Credentials are not read here: the AWS SDK's
 * default chain (env, profile, instance role) finds them.
 */
export function readFarmConnections(env: EnvReader): FarmConnections {
  const redisUrl = env.text('REDIS_URL', 'redis://127.0.0.1:6379');
  if (!/^rediss?:\/\/[^\s]+$/.test(redisUrl))
    env.problem(`REDIS_URL='${redisUrl}' must look like redis://host:6379 (or rediss:// for TLS).`);
  const queuePrefix = env.text('QUEUE_PREFIX', 'tinysaver');
  if (!/^[A-Za-z0-9_.-]+$/.test(queuePrefix))
    env.problem(`QUEUE_PREFIX='${queuePrefix}' may hold only letters, digits, '.', '_' and '-'.`);

  const endpoint = env.text('S3_ENDPOINT', '') || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^/\s]+/.test(endpoint))
    env.problem(`S3_ENDPOINT='${endpoint}' must be an http(s) URL, or empty for AWS.`);
  const bucket = env.text('S3_BUCKET', '');
  if (!bucket) env.problem('S3_BUCKET is not set; name the bucket the farm keeps its data in.');
  else if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    env.problem(`S3_BUCKET='${bucket}' is not a valid bucket name.`);
  const prefix = env.text('S3_PREFIX', '').replace(/^\/+|\/+$/g, '');
  if (prefix.includes('//') || prefix.split('/').includes('..'))
    env.problem(`S3_PREFIX='${prefix}' must not contain '//' or '..'.`);
  return {
    redisUrl,
    queuePrefix,
    s3: {
      endpoint,
      region: env.text('S3_REGION', 'us-east-1'),
      bucket,
      prefix,
      requestTimeoutMs: env.int('S3_REQUEST_TIMEOUT_MS', 60_000, 100, 3_600_000),
      maxAttempts: env.int('S3_MAX_ATTEMPTS', 3, 1, 20),
    },
  };
}
