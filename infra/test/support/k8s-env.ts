// A container's environment as the kubelet would build it from the rendered objects: envFrom
// first, then env (which overrides it), with ConfigMap and Secret references resolved.
import type { IConfigMap, IContainer } from './k8s-types';

/** Secret data by Secret name: the tests' stand-in for Secrets that are never committed. */
export type Secrets = Readonly<Record<string, Readonly<Record<string, string>>>>;

export interface ResolvedEnv {
  readonly env: Record<string, string>;
  /** References that would stop the pod from starting (CreateContainerConfigError). */
  readonly problems: string[];
}

/** An admin key that is no tenant's key: KEDA's SCALER_TOKEN must be one of ADMIN_KEYS. */
export const PLACEHOLDER_ADMIN_KEY = 'admin-placeholder-key-0123456789';

export const PLACEHOLDER_SECRETS: Secrets = {
  'tinysaver-secrets': {
    API_KEYS: `acme:${'k'.repeat(32)}`,
    ADMIN_KEYS: PLACEHOLDER_ADMIN_KEY,
    SCALER_TOKEN: PLACEHOLDER_ADMIN_KEY,
    AWS_ACCESS_KEY_ID: 'AKIAPLACEHOLDER0000',
    AWS_SECRET_ACCESS_KEY: 'placeholder-secret-access-key',
  },
};

export function resolveEnv(
  container: IContainer,
  configMaps: readonly IConfigMap[],
  secrets: Secrets,
): ResolvedEnv {
  const env: Record<string, string> = {};
  const problems: string[] = [];
  const configMap = (name: string) => configMaps.find((c) => c.metadata?.name === name)?.data;
  const source = (kind: 'ConfigMap' | 'Secret', name: string) =>
    kind === 'ConfigMap' ? configMap(name) : secrets[name];

  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
    const data = ref?.name ? source(kind, ref.name) : undefined;
    if (!data) {
      if (!ref?.optional) problems.push(`envFrom: no ${kind} ${ref?.name ?? '(unnamed)'}`);
      continue;
    }
    for (const [key, value] of Object.entries(data)) env[`${from.prefix ?? ''}${key}`] = value;
  }

  for (const variable of container.env ?? []) {
    const from = variable.valueFrom;
    if (!from) {
      env[variable.name] = variable.value ?? '';
      continue;
    }
    const ref = from.configMapKeyRef ?? from.secretKeyRef;
    if (!ref) {
      problems.push(`${variable.name}: only ConfigMap and Secret references are resolved here`);
      continue;
    }
    const kind = from.configMapKeyRef ? 'ConfigMap' : 'Secret';
    const value = source(kind, ref.name ?? '')?.[ref.key];
    if (value !== undefined) env[variable.name] = value;
    else if (!ref.optional)
      problems.push(`${variable.name}: no key ${ref.key} in ${kind} ${ref.name}`);
  }
  return { env, problems };
}
