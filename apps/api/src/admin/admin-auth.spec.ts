import { digestKey } from '../auth/api-keys';
import { ApiError } from '../common/api-error';
import { authorizeAdmin, presentedAdminKey } from './admin-auth';

const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

describe('presentedAdminKey', () => {
  it.each([
    ['Bearer admin-key-0123456789', 'admin-key-0123456789'],
    ['bearer  admin-key-0123456789 ', 'admin-key-0123456789'],
    [basic('anyone:admin-key-0123456789'), 'admin-key-0123456789'],
    // RFC 7617: the password is everything after the first ':'.
    [basic(':pass:with:colons'), 'pass:with:colons'],
    [basic('no-colon'), undefined],
    [basic('user:'), undefined],
    ['Basic not base64!', undefined],
    ['Token admin-key-0123456789', undefined],
    [undefined, undefined],
  ])('%j → %j', (header, key) => {
    expect(presentedAdminKey(header)).toBe(key);
  });
});

describe('authorizeAdmin', () => {
  const keys = new Set([digestKey('admin-key-0123456789')]);
  const codeOf = (adminKeys: ReadonlySet<string>, header?: string) => {
    try {
      authorizeAdmin(adminKeys, header);
      return 'ok';
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      return `${(error as ApiError).getStatus()} ${(error as ApiError).code}`;
    }
  };

  it('answers by key: ok, missing, invalid; 403 when no admin key is configured', () => {
    expect(codeOf(keys, basic('ops:admin-key-0123456789'))).toBe('ok');
    expect(codeOf(keys, 'Bearer admin-key-0123456789')).toBe('ok');
    expect(codeOf(keys)).toBe('401 missing-admin-key');
    expect(codeOf(keys, 'Bearer admin-key-0123456780')).toBe('401 invalid-admin-key');
    expect(codeOf(new Set(), 'Bearer admin-key-0123456789')).toBe('403 admin-disabled');
  });
});
