import { createHash } from 'node:crypto';

/** Tenant per sha256 (hex) of an API key: the keys themselves are never kept. */
export type ApiKeys = ReadonlyMap<string, string>;

const TENANT = /^[a-z0-9][a-z0-9-]{0,62}$/;
const MIN_KEY_LENGTH = 16;

export const digestKey = (key: string) => createHash('sha256').update(key).digest('hex');

/**
 * Parses `API_KEYS=tenant:key,tenant2:key2` (or `tenant:sha256:<hex>` to give only a digest).
 * Several keys may name one tenant (rotation); one key may not serve two tenants.
 */
export function parseApiKeys(text: string, problem: (line: string) => void): ApiKeys {
  const keys = new Map<string, string>();
  const entries = text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0)
    problem(
      'API_KEYS is not set; give at least one tenant:key pair (e.g. API_KEYS=acme:<32 random characters>).',
    );
  for (const [i, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const tenant = colon > 0 ? entry.slice(0, colon) : '';
    const secret = colon > 0 ? entry.slice(colon + 1) : '';
    const where = `API_KEYS entry ${i + 1}`;
    if (!TENANT.test(tenant)) {
      problem(
        `${where} needs a tenant name of lower-case letters, digits and '-' before ':' (tenant:key).`,
      );
      continue;
    }
    let digest: string;
    if (secret.startsWith('sha256:')) {
      digest = secret.slice('sha256:'.length).toLowerCase();
      if (!/^[0-9a-f]{64}$/.test(digest)) {
        problem(
          `${where} (tenant '${tenant}'): after 'sha256:' give the key's sha256 as 64 hex digits.`,
        );
        continue;
      }
    } else if (secret.length < MIN_KEY_LENGTH) {
      problem(
        `${where} (tenant '${tenant}'): the key is shorter than ${MIN_KEY_LENGTH} characters; use a long random key.`,
      );
      continue;
    } else digest = digestKey(secret);
    const owner = keys.get(digest);
    if (owner !== undefined && owner !== tenant) {
      problem(
        `${where}: the same key is given to tenants '${owner}' and '${tenant}'; give each tenant its own key.`,
      );
      continue;
    }
    keys.set(digest, tenant);
  }
  return keys;
}
