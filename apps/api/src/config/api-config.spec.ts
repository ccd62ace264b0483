import { ConfigError } from '@tinysaver/farm-config';
import { readApiConfig } from './api-config';

describe('readApiConfig', () => {
  it('reads the shared connections plus the API settings', () => {
    const config = readApiConfig({
      S3_BUCKET: 'farm-data',
      API_KEYS: 'acme:0123456789abcdef',
      PORT: '9000',
    });
    expect(config).toMatchObject({
      port: 9000,
      host: '127.0.0.1',
      bodyLimitBytes: 1024 * 1024,
      s3: { bucket: 'farm-data' },
      redisUrl: 'redis://127.0.0.1:6379',
    });
    expect(config.apiKeys.size).toBe(1);
  });

  it('names every problem at once', () => {
    let caught: unknown;
    try {
      readApiConfig({ PORT: 'http' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems).toEqual([
      expect.stringMatching(/^S3_BUCKET is not set/),
      expect.stringMatching(/^API_KEYS is not set/),
      expect.stringMatching(/^PORT='http' must be an integer/),
    ]);
  });
});
