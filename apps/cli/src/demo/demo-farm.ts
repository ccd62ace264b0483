// The services the demo needs, each either found (REDIS_URL, S3_ENDPOINT, a local Redis) or
// started here, and the farm's own API and worker started from their builds. Everything started
// is stopped by `stop()`, in reverse order.
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { createS3Client } from '@tinysaver/storage';
import { S3RVER_CREDENTIALS, startS3rver } from '@tinysaver/storage/testing';
import {
  appMain,
  freePort,
  startApp,
  startPrivateRedis,
  type AppProcess,
} from '@tinysaver/testkit';

export interface DemoFarm {
  readonly api: string;
  readonly key: string;
  /** Where the demo puts its shards: inside the farm's bucket and prefix, as the API requires. */
  readonly s3: {
    readonly endpoint: string;
    readonly bucket: string;
    readonly prefix: string;
    readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  };
  readonly worker: AppProcess;
  stop(): Promise<void>;
}

export type Say = (line: string) => void;

/** Raised when a service the demo needs can be neither found nor started: says what to do. */
export class DemoSetupError extends Error {}

const LOCAL_REDIS = 'redis://127.0.0.1:6379';
const DEMO_BUCKET = 'tinysaver-demo';

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1_500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** REDIS_URL, else the local Redis, else a redis-server of our own. */
async function redis(env: NodeJS.ProcessEnv, say: Say, stops: (() => Promise<void>)[]) {
  if (env.REDIS_URL) {
    if (!(await answers(env.REDIS_URL)))
      throw new DemoSetupError(
        `REDIS_URL=${env.REDIS_URL} does not answer; start that Redis or unset REDIS_URL.`,
      );
    say(`Redis: ${env.REDIS_URL} (REDIS_URL)`);
    return env.REDIS_URL;
  }
  if (await answers(LOCAL_REDIS)) {
    say(`Redis: ${LOCAL_REDIS} (already running)`);
    return LOCAL_REDIS;
  }
  try {
    const own = await startPrivateRedis();
    stops.push(() => own.stop());
    say(`Redis: started redis-server at ${own.url}`);
    return own.url;
  } catch (error) {
    throw new DemoSetupError(
      `No Redis answers at ${LOCAL_REDIS} and redis-server could not be started (${(error as Error).message}). Install it (Debian: apt-get install redis-server) or set REDIS_URL.`,
    );
  }
}

/** S3_ENDPOINT (+ S3_BUCKET and AWS credentials), else an s3rver keeping its data in `dataDir`. */
async function s3(
  env: NodeJS.ProcessEnv,
  dataDir: string,
  say: Say,
  stops: (() => Promise<void>)[],
) {
  if (env.S3_ENDPOINT) {
    if (!env.S3_BUCKET)
      throw new DemoSetupError('S3_ENDPOINT is set but S3_BUCKET is not; name the bucket to use.');
    say(`S3: ${env.S3_ENDPOINT}, bucket ${env.S3_BUCKET} (S3_ENDPOINT)`);
    // Credentials then come from the standard AWS chain, in the apps as here.
    const fromEnv =
      env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
        ? {
            AWS_ACCESS_KEY_ID: env.AWS_ACCESS_KEY_ID,
            AWS_SECRET_ACCESS_KEY: env.AWS_SECRET_ACCESS_KEY,
          }
        : undefined;
    return { endpoint: env.S3_ENDPOINT, bucket: env.S3_BUCKET, credentials: fromEnv };
  }
  const directory = join(dataDir, 's3');
  await mkdir(directory, { recursive: true });
  const server = await startS3rver({ directory });
  stops.push(() => server.stop());
  const client = createS3Client({
    endpoint: server.endpoint,
    region: 'us-east-1',
    credentials: S3RVER_CREDENTIALS,
  });
  try {
    await client.send(new HeadBucketCommand({ Bucket: DEMO_BUCKET }));
  } catch {
    await client.send(new CreateBucketCommand({ Bucket: DEMO_BUCKET }));
  } finally {
    client.destroy();
  }
  say(`S3: embedded s3rver at ${server.endpoint}, data in ${directory}`);
  return {
    endpoint: server.endpoint,
    bucket: DEMO_BUCKET,
    credentials: {
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    },
  };
}

function pickAws(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (e): e is [string, string] => e[0].startsWith('AWS_') && e[1] !== undefined,
    ),
  );
}

async function healthy(api: string, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      if ((await fetch(`${api}/health`)).ok) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline)
      throw new DemoSetupError(
        `The API at ${api} did not become healthy within ${deadlineMs / 1000} s.`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Finds or starts Redis and S3, then starts the built API and one worker on them. */
export async function startDemoFarm(
  env: NodeJS.ProcessEnv,
  dataDir: string,
  say: Say,
): Promise<DemoFarm> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const redisUrl = await redis(env, say, stops);
    const storage = await s3(env, dataDir, say, stops);
    const key = `demo-${randomBytes(16).toString('hex')}`;
    const port = await freePort();
    const common = {
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: env.QUEUE_PREFIX ?? 'tinysaver-demo',
      S3_ENDPOINT: storage.endpoint,
      S3_BUCKET: storage.bucket,
      S3_PREFIX: env.S3_PREFIX ?? 'tinysaver-demo',
      S3_REGION: env.S3_REGION ?? 'us-east-1',
      ...storage.credentials,
      // The apps get this process's AWS settings (profiles, roles) when S3 is the user's.
      ...(storage.credentials ? {} : pickAws(env)),
    };
    const apiProcess = startApp(appMain('api'), {
      ...common,
      API_KEYS: `demo:${key}`,
      PORT: String(port),
      HOST: '127.0.0.1',
      WRITES_PER_MINUTE: '100000',
    });
    stops.push(async () => void (await apiProcess.kill('SIGTERM')));
    // A short grace: Ctrl-C hands the job in hand back instead of finishing a whole shard.
    const worker = startApp(appMain('worker'), {
      ...common,
      SEARCH_POLL_MS: '300',
      SHUTDOWN_GRACE_MS: '3000',
    });
    stops.push(async () => void (await worker.kill('SIGTERM')));
    const api = `http://127.0.0.1:${port}`;
    await healthy(api, 60_000).catch((error: unknown) => {
      throw new DemoSetupError(
        `${(error as Error).message}\n${apiProcess.lines.slice(-10).join('\n')}`,
      );
    });
    say(`API: ${api} (and one worker)`);
    return {
      api,
      key,
      s3: {
        endpoint: storage.endpoint,
        bucket: storage.bucket,
        prefix: common.S3_PREFIX,
        credentials: storage.credentials && {
          accessKeyId: storage.credentials.AWS_ACCESS_KEY_ID,
          secretAccessKey: storage.credentials.AWS_SECRET_ACCESS_KEY,
        },
      },
      worker,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
