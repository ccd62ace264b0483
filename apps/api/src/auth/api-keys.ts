import { createHash } from 'node:crypto';

/** Tenant per sha256 (hex) of an API key: the keys themselves are never kept. */
export type ApiKeys = ReadonlyMap<string, string>;
/** The sha256 (hex) of each admin key (`ADMIN_KEYS`); empty = admin routes disabled. */
export type AdminKeys = ReadonlySet<string>;

const TENANT = /^[a-z0-9][a-z0-9-]{0,62}$/;
const MIN_KEY_LENGTH = 16;

export const digestKey = (key: string) => createHash('sha256').update(key).digest('hex');

const entriesOf = (text: string) =>
  text
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);

/**
 * One key as configured: the key itself (at least 16 characters) or `sha256:<64 hex>` to give
 * only its digest. Returns the digest, or undefined after reporting what is wrong at `where`.
 * API_KEYS and ADMIN_KEYS share it so both accept, and refuse, exactly the same keys.
 */
function keyDigest(
  secret: string,
  where: string,
  problem: (line: string) => void,
): string | undefined {
  if (secret.startsWith('sha256:')) {
    const digest = secret.slice('sha256:'.length).toLowerCase();
    if (/^[0-9a-f]{64}$/.test(digest)) return digest;
    problem(`${where}: after 'sha256:' give the key's sha256 as 64 hex digits.`);
    return undefined;
  }
  if (secret.length >= MIN_KEY_LENGTH) return digestKey(secret);
  problem(`${where}: the key is shorter than ${MIN_KEY_LENGTH} characters; use a long random key.`);
  return undefined;
}

/**
 * Parses `API_KEYS=tenant:key,tenant2:key2` (or `tenant:sha256:<hex>` to give only a digest).
 * Several keys may name one tenant (rotation); one key may not serve two tenants.
 */
export function parseApiKeys(text: string, problem: (line: string) => void): ApiKeys {
  const keys = new Map<string, string>();
  const entries = entriesOf(text);
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
    const digest = keyDigest(secret, `${where} (tenant '${tenant}')`, problem);
    if (digest === undefined) continue;
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

/**
 * Parses `ADMIN_KEYS=key,key2` (or `sha256:<hex>` entries). Unset is valid: admin routes are
 * then off. An admin key may not also be a tenant's key: admin and tenant powers stay apart.
 */
export function parseAdminKeys(
  text: string,
  apiKeys: ApiKeys,
  problem: (line: string) => void,
): AdminKeys {
  const keys = new Set<string>();
  for (const [i, entry] of entriesOf(text).entries()) {
    const where = `ADMIN_KEYS entry ${i + 1}`;
    // `name:key` (API_KEYS' shape) would otherwise pass as one long key the admin never sends.
    if (entry.includes(':') && !entry.startsWith('sha256:')) {
      problem(`${where}: give the bare key (or sha256:<hex>), not name:key.`);
      continue;
    }
    const digest = keyDigest(entry, where, problem);
    if (digest === undefined) continue;
    const tenant = apiKeys.get(digest);
    if (tenant !== undefined) {
      problem(
        `${where}: the key is also an API key of tenant '${tenant}'; give admins a key of their own.`,
      );
      continue;
    }
    keys.add(digest);
  }
  return keys;
}
