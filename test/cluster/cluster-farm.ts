// The farm spread over test hosts: the hub runs Redis, the S3 server and the API; each spoke
// runs one worker that reaches the hub only over its own veth link (or, for a single-host run,
// the one worker runs on the hub). The test (on the machine's
// own namespace) reaches the hub through loopback bridges (./loopback-bridge.ts).
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { FarmClient } from '@tinysaver/client';
import { createS3Client } from '@tinysaver/storage';
import { S3RVER_CREDENTIALS } from '@tinysaver/storage/testing';
import { appMain, freePort, startCommand, type AppProcess } from '@tinysaver/testkit';
import { bridgeFromLoopback } from './loopback-bridge';
import { buildHosts, type Hosts } from './netns';

export const S3_PREFIX = 'cluster';

/**
 * One compute thread, one onnxruntime thread and no prefetch per worker: the two workers split
 * this machine's two cores, and a worker holds one shard at a time. Short locks and stall
 * checks, so a worker cut off mid-shard gives its job back within seconds (BullMQ's defaults
 * take a minute or more).
 */
export const WORKER_SETTINGS = {
  WORKER_CONCURRENCY: '1',
  ORT_INTRA_OP_THREADS: '1',
  WORKER_PREFETCH: '0',
  WORKER_LOCK_DURATION_MS: '4000',
  WORKER_STALLED_INTERVAL_MS: '1000',
  SEARCH_POLL_MS: '300',
  SHUTDOWN_GRACE_MS: '1000',
} as const;

export interface ClusterFarm {
  readonly hosts: Hosts;
  readonly client: FarmClient;
  /** The hub's S3, its bucket, and Redis, as reached from here. */
  readonly s3: { readonly client: S3Client; readonly bucket: string };
  readonly redisUrl: string;
  readonly queuePrefix: string;
  readonly workers: Readonly<Record<string, AppProcess>>;
  /** Everything the hub and the workers printed, for a failing test's message. */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * A farm on test hosts named `label`: a worker on each of `workerHosts` ('hub' = beside Redis,
 * S3 and the API on one host; any other name = a host of its own, linked to the hub).
 */
export async function startClusterFarm(
  label: string,
  workerHosts: readonly string[],
): Promise<ClusterFarm> {
  const spokes = workerHosts.filter((host) => host !== 'hub');
  const processes: AppProcess[] = [];
  const bridges: Server[] = [];
  const sockets = await mkdtemp(join(tmpdir(), 'tinysaver-cluster-'));
  const hosts = await buildHosts(label, 'hub', spokes);
  let s3Client: S3Client | undefined;
  const stop = async () => {
    s3Client?.destroy();
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    for (const bridge of bridges) bridge.close();
    await hosts.remove();
    await rm(sockets, { recursive: true, force: true });
  };
  const start = (host: string, argv: readonly string[], env: Record<string, string> = {}) => {
    const started = startCommand(hosts.exec(host, argv), env);
    processes.push(started);
    return started;
  };
  try {
    // Free here means free there too: the hub is a fresh namespace with nothing listening.
    const [redisPort, s3Port, apiPort] = [await freePort(), await freePort(), await freePort()];
    const hubAddresses = spokes.map((spoke) => hosts.links[spoke].hubAddress);
    const redis = start('hub', [
      'redis-server',
      ...['--port', String(redisPort), '--bind', '127.0.0.1', ...hubAddresses],
      ...['--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--dir', sockets],
    ]);
    await redis.waitFor(/Ready to accept connections/);
    const services = start(
      'hub',
      [
        // tsx as a loader, not its CLI: the CLI runs the script in a child that a kill misses.
        process.execPath,
        '--import',
        'tsx',
        '--conditions=development',
        join(__dirname, 'hub-services.ts'),
        ...[sockets, String(s3Port), String(redisPort), String(apiPort)],
      ],
      { NODE_OPTIONS: '--openssl-legacy-provider' },
    );
    const { bucket } = JSON.parse(await services.waitFor(/"ready":true/, 60_000)) as {
      bucket: string;
    };
    for (const port of [redisPort, s3Port, apiPort])
      bridges.push(await bridgeFromLoopback(sockets, port));

    const queuePrefix = `cluster-${randomBytes(4).toString('hex')}`;
    const shared = (hubAddress: string) => ({
      REDIS_URL: `redis://${hubAddress}:${redisPort}`,
      QUEUE_PREFIX: queuePrefix,
      S3_ENDPOINT: `http://${hubAddress}:${s3Port}`,
      S3_BUCKET: bucket,
      S3_PREFIX,
      S3_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    });
    const key = randomBytes(16).toString('hex');
    start('hub', [process.execPath, appMain('api')], {
      ...shared('127.0.0.1'),
      API_KEYS: `cluster:${key}`,
      HOST: '0.0.0.0',
      PORT: String(apiPort),
      WRITES_PER_MINUTE: '100000',
    });
    const workers: Record<string, AppProcess> = {};
    for (const host of workerHosts)
      workers[host] = start(host, [process.execPath, appMain('worker')], {
        ...shared(host === 'hub' ? '127.0.0.1' : hosts.links[host].hubAddress),
        ...WORKER_SETTINGS,
      });
    const client = new FarmClient({ api: `http://127.0.0.1:${apiPort}`, key });
    for (let i = 0; !(await client.healthy()); i++) {
      if (i > 300) throw new Error('the API on the hub did not become healthy');
      await new Promise((r) => setTimeout(r, 200));
    }
    await Promise.all(Object.values(workers).map((w) => w.waitFor(/worker started/, 60_000)));
    s3Client = createS3Client({
      endpoint: `http://127.0.0.1:${s3Port}`,
      region: 'us-east-1',
      credentials: S3RVER_CREDENTIALS,
    });
    return {
      hosts,
      client,
      s3: { client: s3Client, bucket },
      redisUrl: `redis://127.0.0.1:${redisPort}`,
      queuePrefix,
      workers,
      logs: () => processes.map((p) => p.lines.join('\n')).join('\n'),
      stop,
    };
  } catch (error) {
    const printed = processes.map((p) => p.lines.slice(-20).join('\n')).join('\n');
    await stop();
    throw new Error(`${(error as Error).message}\n${printed}`);
  }
}
