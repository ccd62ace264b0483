import { DEFAULT_API, readConnection } from './connection';
import { UsageError } from './exit-codes';

describe('readConnection', () => {
  it('takes flags over the environment, and the default API when neither names one', () => {
    const env = { TINYSAVER_API: 'http://env:1', TINYSAVER_KEY: 'env-key' };
    expect(readConnection({ api: 'http://flag:2/', key: 'flag-key' }, env)).toEqual({
      api: 'http://flag:2',
      key: 'flag-key',
    });
    expect(readConnection({}, env)).toEqual({ api: 'http://env:1', key: 'env-key' });
    expect(readConnection({}, { TINYSAVER_KEY: 'k' })).toEqual({ api: DEFAULT_API, key: 'k' });
    expect(DEFAULT_API).toBe('http://127.0.0.1:8080');
  });

  it('refuses a missing key, naming both ways to give one', () => {
    for (const env of [{}, { TINYSAVER_KEY: '  ' }]) {
      const error = (() => {
        try {
          return readConnection({}, env);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(/--key KEY.*TINYSAVER_KEY/);
    }
  });

  it('refuses an API that is not an http(s) URL', () => {
    expect(() => readConnection({ api: 'localhost:8080', key: 'k' }, {})).toThrow(UsageError);
    expect(() => readConnection({ api: 'ftp://host', key: 'k' }, {})).toThrow(
      /not an http\(s\) URL.*--api or TINYSAVER_API/,
    );
  });
});
