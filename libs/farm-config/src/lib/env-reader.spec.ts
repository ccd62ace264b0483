import { ConfigError, EnvReader } from './env-reader';
import { readFarmConnections } from './farm-connections';

function problems(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  return [];
}

describe('EnvReader', () => {
  it('reads text, integers and lists with fallbacks, and freezes the result', () => {
    const read = new EnvReader(
      { A: ' x ', N: '42', L: 'a, b,,c', E: '  ', F: ' ON ', G: '0' },
      'test',
    );
    const config = read.done({
      a: read.text('A', 'd'),
      e: read.text('E', 'fallback'),
      n: read.int('N', 1, 0, 100),
      m: read.int('M', 7, 0, 100),
      l: read.list('L', ''),
      f: read.flag('F', false),
      g: read.flag('G', true),
      h: read.flag('H', true),
    });
    expect(config).toEqual({
      a: 'x',
      e: 'fallback',
      n: 42,
      m: 7,
      l: ['a', 'b', 'c'],
      f: true,
      g: false,
      h: true,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('collects every problem and names the app', () => {
    const read = new EnvReader({ N: '-1', M: '1e3', F: 'maybe' }, 'api');
    read.int('N', 1, 0, 100);
    read.int('M', 1, 0, 100);
    read.flag('F', false);
    let caught: unknown;
    try {
      read.done({});
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).message).toBe(
      "api configuration is invalid:\n  - N='-1' must be an integer from 0 to 100.\n  - M='1e3' must be an integer from 0 to 100.\n  - F='maybe' must be true or false.",
    );
  });
});

describe('readFarmConnections', () => {
  it('defaults to the local Redis and AWS, and trims the prefix', () => {
    const read = new EnvReader({ S3_BUCKET: 'farm-data', S3_PREFIX: '/farm/prod/' }, 'test');
    expect(read.done(readFarmConnections(read))).toEqual({
      redisUrl: 'redis://127.0.0.1:6379',
      queuePrefix: 'tinysaver',
      s3: {
        endpoint: undefined,
        region: 'us-east-1',
        bucket: 'farm-data',
        prefix: 'farm/prod',
        requestTimeoutMs: 60_000,
        maxAttempts: 3,
      },
    });
  });

  it('names each bad connection setting', () => {
    const env = {
      REDIS_URL: 'localhost',
      QUEUE_PREFIX: 'a:b',
      S3_ENDPOINT: 'minio:9000',
      S3_PREFIX: 'a/../b',
    };
    expect(
      problems(() => {
        const read = new EnvReader(env, 'test');
        read.done(readFarmConnections(read));
      }),
    ).toEqual([
      expect.stringMatching(/^REDIS_URL='localhost'/),
      expect.stringMatching(/^QUEUE_PREFIX='a:b'/),
      expect.stringMatching(/^S3_ENDPOINT='minio:9000'/),
      'S3_BUCKET is not set; name the bucket the farm keeps its data in.',
      expect.stringMatching(/^S3_PREFIX='a\/\.\.\/b' must not contain/),
    ]);
  });
});
