import { ConfigError } from '@tinysaver/farm-config';
import { digestKey } from '../auth/api-keys';
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
    expect(config.adminKeys.size).toBe(0);
  });

  it('reads ADMIN_KEYS as digests, plain or sha256:', () => {
    const digest = digestKey('ops-key-0123456789');
    const config = readApiConfig({
      S3_BUCKET: 'farm-data',
      API_KEYS: 'acme:0123456789abcdef',
      ADMIN_KEYS: ` admin-key-0123456789, sha256:${digest.toUpperCase()}`,
    });
    expect([...config.adminKeys].sort()).toEqual(
      [digestKey('admin-key-0123456789'), digest].sort(),
    );
    expect([...config.adminKeys].join()).not.toContain('admin-key');
  });

  it.each([
    ['short-key', /^ADMIN_KEYS entry 1: the key is shorter than 16 characters/],
    ['sha256:abc', /^ADMIN_KEYS entry 1: after 'sha256:' give the key's sha256 as 64 hex digits/],
    [`sha256:${'g'.repeat(64)}`, /^ADMIN_KEYS entry 1: after 'sha256:'/],
    ['ops:admin-key-0123456789', /^ADMIN_KEYS entry 1: give the bare key/],
    [
      'admin-key-0123456789,0123456789abcdef',
      /^ADMIN_KEYS entry 2: the key is also an API key of tenant 'acme'/,
    ],
  ])('refuses ADMIN_KEYS=%j, naming the entry', (adminKeys, message) => {
    let caught: unknown;
    try {
      readApiConfig({
        S3_BUCKET: 'farm-data',
        API_KEYS: 'acme:0123456789abcdef',
        ADMIN_KEYS: adminKeys,
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems).toEqual([expect.stringMatching(message)]);
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
