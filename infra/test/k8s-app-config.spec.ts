// Each app container's environment, as the kubelet would build it from the manifests (with
// placeholder secrets), passes the app's own configuration check and sets only variables the
// app reads.
import { checkConfig, unreadVariables, VARIABLES_READ_BY_PLATFORM } from './support/check-config';
import { PLACEHOLDER_SECRETS, resolveEnv } from './support/k8s-env';
import {
  appOf,
  containersOf,
  ofKind,
  OVERLAYS,
  renderOverlay,
  SECRET_NAME,
  secretContractKeys,
  workloads,
  type K8sObject,
} from './support/k8s-manifests';
import type { IContainer } from './support/k8s-types';

const rendered = new Map(OVERLAYS.map((o) => [o, renderOverlay(o)] as const));

const appContainers = (objects: readonly K8sObject[]) =>
  workloads(objects).flatMap((w) =>
    containersOf(w)
      .filter((c) => appOf(c) !== undefined)
      .map((c) => [`${w.name}/${c.name}`, c] as const),
  );

const cases = OVERLAYS.flatMap((overlay) =>
  appContainers(rendered.get(overlay) ?? []).map(([where, c]) => [overlay, where, c] as const),
);

const envOf = (overlay: (typeof OVERLAYS)[number], container: IContainer) =>
  resolveEnv(container, ofKind(rendered.get(overlay) ?? [], 'ConfigMap'), PLACEHOLDER_SECRETS);

describe.each(cases)('overlay %s, container %s', (overlay, _where, container) => {
  const app = appOf(container) ?? 'api';

  it('resolves every ConfigMap and Secret reference', () => {
    expect(envOf(overlay, container).problems).toEqual([]);
  });

  it("passes the app's own --check-config and sets only what the app reads", () => {
    const check = checkConfig(app, envOf(overlay, container).env);
    expect(check.stderr).toBe('');
    expect(check.exitCode).toBe(0);
    const read = check.report?.variables ?? [];
    expect(read.length).toBeGreaterThan(0);
    const set = Object.keys(envOf(overlay, container).env);
    expect(unreadVariables(set, read)).toEqual([]);
  }, 60_000);
});

describe('the placeholder secrets', () => {
  it('hold exactly the keys of the Secret contract (infra/k8s/secrets.example.env)', () => {
    expect(Object.keys(PLACEHOLDER_SECRETS[SECRET_NAME]).sort()).toEqual(
      secretContractKeys().sort(),
    );
  });

  it('give KEDA a token that is one of the admin keys', () => {
    const secret = PLACEHOLDER_SECRETS[SECRET_NAME];
    expect(secret.ADMIN_KEYS.split(',')).toContain(secret.SCALER_TOKEN);
  });
});

describe('the checks fail where they should', () => {
  const worker = cases.find(([, where]) => where.startsWith('worker/'))?.[2];
  if (!worker) throw new Error('no worker container rendered');
  const env = () => envOf('gpu', worker).env;

  it('an environment the worker refuses exits 2 and says why', () => {
    const check = checkConfig('worker', { ...env(), WORKER_QUEUES: 'records,bogus' });
    expect(check.exitCode).toBe(2);
    expect(check.stderr).toMatch(/WORKER_QUEUES names 'bogus'/);
  }, 60_000);

  it('a variable no app reads is flagged; the SDK and Node ones are not', () => {
    expect(
      unreadVariables(['WORKER_QUEUE', ...VARIABLES_READ_BY_PLATFORM], ['WORKER_QUEUES']),
    ).toEqual(['WORKER_QUEUE']);
  });

  it('a missing Secret key or ConfigMap is a problem unless optional', () => {
    const broken: IContainer = {
      name: 'c',
      envFrom: [{ configMapRef: { name: 'nowhere' } }],
      env: [
        { name: 'A', valueFrom: { secretKeyRef: { name: SECRET_NAME, key: 'NOPE' } } },
        {
          name: 'B',
          valueFrom: { secretKeyRef: { name: SECRET_NAME, key: 'NO', optional: true } },
        },
      ],
    };
    expect(resolveEnv(broken, [], PLACEHOLDER_SECRETS).problems).toEqual([
      'envFrom: no ConfigMap nowhere',
      `A: no key NOPE in Secret ${SECRET_NAME}`,
    ]);
  });
});
