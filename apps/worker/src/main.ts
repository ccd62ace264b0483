// `npm run start:worker`: reads the environment once, builds the edges (S3, Redis, compute
// threads) and consumes the farm's queues until SIGTERM/SIGINT, then drains and exits 0.
// `--check-config` only validates the environment and names the variables it reads.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answerConfigCheckIfAsked } from '@tinysaver/farm-config';
import { createS3Client, FarmLayout } from '@tinysaver/storage';
import { ComputePool } from './compute/compute-pool';
import { readWorkerConfig, WorkerConfigError } from './config/worker-config';
import { startHealthServer } from './runtime/health-server';
import { JobRunner } from './runtime/job-runner';
import { jsonLog } from './runtime/logger';
import { WorkerMetrics } from './runtime/worker-metrics';
import { ModelFiles } from './storage/model-files';
import { ObjectStore } from './storage/object-store';

async function main(): Promise<void> {
  answerConfigCheckIfAsked('worker', (env) => readWorkerConfig(env));
  let config;
  try {
    config = readWorkerConfig(process.env);
  } catch (error) {
    if (!(error instanceof WorkerConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  const client = createS3Client({
    endpoint: config.s3.endpoint,
    region: config.s3.region,
    requestTimeoutMs: config.s3.requestTimeoutMs,
    maxAttempts: config.s3.maxAttempts,
  });
  const store = new ObjectStore(client, config.s3.bucket);
  const modelDir = await mkdtemp(join(tmpdir(), 'tinysaver-models-'));
  const pool = new ComputePool(
    {
      intraOpThreads: config.intraOpThreads,
      ortSpinning: config.ortSpinning,
      decodeThreads: config.decodeThreads,
      executionProviders: config.executionProviders,
      sessionCacheBytes: config.sessionCacheBytes,
      cancel: new SharedArrayBuffer(4),
    },
    config.computeThreads,
    (level, message) => jsonLog(level, message),
  );
  const metrics = new WorkerMetrics(config);
  const runner = new JobRunner(
    {
      config,
      store,
      layout: new FarmLayout(config.s3.prefix),
      models: new ModelFiles(store, modelDir, config.maxModelBytes, 4 * config.sessionCacheBytes),
      pool,
    },
    jsonLog,
    metrics,
  );
  // Before taking jobs: a port already taken fails the start, not a worker mid-job.
  const health =
    config.http && (await startHealthServer(config.http, () => runner.readiness(), metrics));
  if (health) jsonLog('info', 'health and metrics served', { url: health.url });
  runner.start();

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    jsonLog('info', 'stopping: no new jobs; finishing the jobs in hand', { signal });
    void (async () => {
      const outcome = await runner.stop(config.shutdownGraceMs);
      jsonLog(outcome === 'drained' ? 'info' : 'warn', `stopped (${outcome})`);
      await health?.close();
      await pool.close();
      client.destroy();
      await rm(modelDir, { recursive: true, force: true });
      process.exit(0);
    })();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main().catch((error: unknown) => {
  jsonLog('error', 'worker failed to start', { error: (error as Error)?.stack ?? String(error) });
  process.exit(1);
});
