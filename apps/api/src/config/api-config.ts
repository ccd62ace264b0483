import {
  EnvReader,
  readFarmConnections,
  type Env,
  type FarmConnections,
} from '@tinysaver/farm-config';
import { parseAdminKeys, parseApiKeys, type AdminKeys, type ApiKeys } from '../auth/api-keys';

/** Everything the API reads from its environment, validated once at start and frozen. */
export interface ApiConfig extends FarmConnections {
  /** @defaultValue 8080 */
  readonly port: number;
  /** Interface to listen on; containers set 0.0.0.0. @defaultValue `127.0.0.1` */
  readonly host: string;
  /** Tenants by the sha256 of their keys (`API_KEYS`). */
  readonly apiKeys: ApiKeys;
  /** Digests of the keys for `/metrics` and `/admin/queues` (`ADMIN_KEYS`); empty = those answer 403. */
  readonly adminKeys: AdminKeys;
  /** Largest JSON body accepted. @defaultValue 1 MiB */
  readonly bodyLimitBytes: number;
  /** Mutating requests per tenant per minute. @defaultValue 120 */
  readonly writesPerMinute: number;
  /** Largest model file the API will register. @defaultValue 2 GiB */
  readonly maxModelBytes: number;
}

const MiB = 1024 * 1024;

export function readApiConfig(env: Env): ApiConfig {
  const read = new EnvReader(env, 'api');
  const connections = readFarmConnections(read);
  const apiKeys = parseApiKeys(env.API_KEYS ?? '', (problem) => read.problem(problem));
  const adminKeys = parseAdminKeys(env.ADMIN_KEYS ?? '', apiKeys, (problem) =>
    read.problem(problem),
  );
  return read.done({
    ...connections,
    port: read.int('PORT', 8080, 0, 65_535),
    host: read.text('HOST', '127.0.0.1'),
    apiKeys,
    adminKeys,
    bodyLimitBytes: read.int('BODY_LIMIT_KB', 1024, 1, 1_048_576) * 1024,
    writesPerMinute: read.int('WRITES_PER_MINUTE', 120, 1, 1_000_000),
    maxModelBytes: read.int('MAX_MODEL_MB', 2048, 1, 1_048_576) * MiB,
  });
}
