import { readWorkerConfig, WorkerConfigError } from './worker-config';

const base = { S3_BUCKET: 'farm-data' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    readWorkerConfig(env, 2);
  } catch (error) {
    if (error instanceof WorkerConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('readWorkerConfig', () => {
  it('fits one compute thread with two intra-op threads on two cores by default', () => {
    const config = readWorkerConfig(base, 2);
    expect(config).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'tinysaver',
      computeThreads: 1,
      intraOpThreads: 2,
      ortSpinning: false,
      executionProviders: ['cpu'],
      queues: [
        'tinysaver-profile',
        'tinysaver-records',
        'tinysaver-cascade',
        'tinysaver-aggregate',
      ],
      s3: { endpoint: undefined, region: 'us-east-1', bucket: 'farm-data', prefix: '' },
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('splits cores between threads when one of the two is given', () => {
    expect(readWorkerConfig({ ...base, WORKER_CONCURRENCY: '4' }, 16)).toMatchObject({
      computeThreads: 4,
      intraOpThreads: 4,
    });
    expect(readWorkerConfig({ ...base, ORT_INTRA_OP_THREADS: '1' }, 8)).toMatchObject({
      computeThreads: 8,
      intraOpThreads: 1,
    });
  });

  it('lets onnxruntime threads spin only when asked', () => {
    expect(readWorkerConfig({ ...base, ORT_SPINNING: 'true' }, 2).ortSpinning).toBe(true);
    expect(problemsOf({ ORT_SPINNING: 'sometimes' })).toContain(
      "ORT_SPINNING='sometimes' must be true or false.",
    );
  });

  it('accepts queues by job name or full name', () => {
    expect(
      readWorkerConfig({ ...base, WORKER_QUEUES: 'records, tinysaver-cascade,records' }, 2).queues,
    ).toEqual(['tinysaver-records', 'tinysaver-cascade']);
  });

  it('always keeps cpu as the last provider', () => {
    expect(
      readWorkerConfig({ ...base, ORT_EXECUTION_PROVIDERS: 'cpu,cuda' }, 2).executionProviders,
    ).toEqual(['cuda', 'cpu']);
  });

  it('reports every bad variable at once, each with its fix', () => {
    const problems = problemsOf({
      S3_BUCKET: 'Bad_Bucket',
      REDIS_URL: 'localhost:6379',
      WORKER_CONCURRENCY: 'two',
      ORT_EXECUTION_PROVIDERS: 'tensorrt',
      WORKER_QUEUES: 'records,train',
      S3_ENDPOINT: 'minio:9000',
      WORKER_BATCH_SIZE: '0',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^REDIS_URL='localhost:6379' must look like redis:\/\//),
      expect.stringMatching(/^S3_ENDPOINT='minio:9000' must be an http\(s\) URL/),
      expect.stringMatching(/^S3_BUCKET='Bad_Bucket' is not a valid bucket name/),
      expect.stringMatching(/^WORKER_QUEUES names 'train'/),
      expect.stringMatching(/^ORT_EXECUTION_PROVIDERS names 'tensorrt'/),
      expect.stringMatching(/^WORKER_CONCURRENCY='two' must be an integer from 1 to 256/),
      expect.stringMatching(/^WORKER_BATCH_SIZE='0' must be an integer from 1 to 4096/),
    ]);
  });

  it('reads the search settings, refusing a bootstrap that cannot make an interval', () => {
    const config = readWorkerConfig(
      { ...base, SEARCH_POLL_MS: '250', BOOTSTRAP_REPLICATES: '0', AGGREGATE_CONCURRENCY: '2' },
      2,
    );
    expect([config.searchPollMs, config.bootstrapReplicates, config.aggregateConcurrency]).toEqual([
      250, 0, 2,
    ]);
    expect(readWorkerConfig(base, 2)).toMatchObject({
      searchPollMs: 2000,
      bootstrapReplicates: 200,
      aggregateConcurrency: 4,
    });
    expect(problemsOf({ ...base, BOOTSTRAP_REPLICATES: '1' })).toEqual([
      expect.stringMatching(/^BOOTSTRAP_REPLICATES=1 cannot make an interval/),
    ]);
    expect(problemsOf({ ...base, SEARCH_POLL_MS: '10' })).toEqual([
      expect.stringMatching(/^SEARCH_POLL_MS='10' must be an integer from 50/),
    ]);
  });

  it('serves health and metrics only when given a port', () => {
    expect(readWorkerConfig(base, 2).http).toBeUndefined();
    expect(
      readWorkerConfig({ ...base, WORKER_HTTP_PORT: '9464', WORKER_HTTP_HOST: '0.0.0.0' }, 2).http,
    ).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(readWorkerConfig({ ...base, WORKER_HTTP_PORT: '9464' }, 2).http).toEqual({
      host: '127.0.0.1',
      port: 9464,
    });
    expect(problemsOf({ ...base, WORKER_HTTP_PORT: '-1' })).toEqual([
      expect.stringMatching(/^WORKER_HTTP_PORT='-1' must be an integer from 0 to 65535/),
    ]);
  });

  it('needs a bucket', () => {
    expect(problemsOf({})).toEqual([expect.stringMatching(/S3_BUCKET is not set/)]);
  });
});
