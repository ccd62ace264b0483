import { digestKey } from '../auth/api-keys';
import { ApiError } from '../common/api-error';
import { docsTenant } from './docs-auth';

const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

describe('docsTenant', () => {
  const keys = new Map([[digestKey('acme-key-0123456789abcdef'), 'acme']]);
  const outcome = (header?: string) => {
    try {
      return docsTenant(keys, header);
    } catch (error) {
      expect(error).toBeInstanceOf(ApiError);
      return `${(error as ApiError).getStatus()} ${(error as ApiError).code}`;
    }
  };

  it('takes a tenant key as Bearer or as the Basic password (any user name)', () => {
    expect(outcome('Bearer acme-key-0123456789abcdef')).toBe('acme');
    expect(outcome(basic('anyone:acme-key-0123456789abcdef'))).toBe('acme');
    expect(outcome(basic(':acme-key-0123456789abcdef'))).toBe('acme');
  });

  it('refuses no key, an empty password and an unknown key', () => {
    expect(outcome()).toBe('401 missing-api-key');
    expect(outcome(basic('acme-key-0123456789abcdef:'))).toBe('401 missing-api-key');
    expect(outcome('Token acme-key-0123456789abcdef')).toBe('401 missing-api-key');
    expect(outcome('Bearer acme-key-0123456789abcdeX')).toBe('401 invalid-api-key');
    expect(outcome(basic('acme:wrong'))).toBe('401 invalid-api-key');
  });
});
