// Every overlay renders and every object in it validates against kubernetes-models' and KEDA's
// schemas, unknown fields included; and the validator does reject what it should.
import { overlayDir, OVERLAYS, K8S_DIR } from './support/k8s-manifests';
import { errorsOf, runValidator, type ValidatorRun } from './support/k8s-validator';

const deployment = (podSpecExtra: string, port: string) => `
apiVersion: apps/v1
kind: Deployment
metadata: { name: probe }
spec:
  selector: { matchLabels: { app: probe } }
  template:
    metadata: { labels: { app: probe } }
    spec:
      ${podSpecExtra}
      containers:
        - name: c
          image: example/c:1.0.0
          ports: [{ name: http, containerPort: ${port} }]
          resources: { limits: { nvidia.com/gpu: 1, memory: 1Gi } }
`;

describe('the rendered overlays', () => {
  let run: ValidatorRun;
  beforeAll(() => {
    run = runValidator(OVERLAYS.map(overlayDir));
  }, 120_000);

  it('validate, every object of every overlay', () => {
    expect(run.stderr).toBe('');
    expect(errorsOf(run)).toEqual([]);
    expect(run.status).toBe(0);
  });

  it.each(OVERLAYS)('include the farm in overlay %s', (overlay) => {
    const kinds = run.reports
      .filter((r) => r.source === overlayDir(overlay))
      .map((r) => `${r.kind}/${r.name}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'Deployment/api',
        'Deployment/worker',
        'StatefulSet/redis',
        'ScaledObject/' + (overlay === 'gpu' ? 'worker-gpu' : 'worker'),
        'TriggerAuthentication/api-backlog',
      ]),
    );
  });
});

describe('the validator', () => {
  it('passes a valid manifest (so its rejections below mean something)', () => {
    const run = runValidator(['-'], deployment('terminationGracePeriodSeconds: 60', '80'));
    expect(errorsOf(run)).toEqual([]);
    expect(run.status).toBe(0);
  }, 60_000);

  it('rejects a port given as a string', () => {
    const run = runValidator(['-'], deployment('terminationGracePeriodSeconds: 60', '"80"'));
    expect(errorsOf(run)).toEqual([
      'schema /spec/template/spec/containers/0/ports/0/containerPort',
    ]);
    expect(run.status).toBe(1);
  }, 60_000);

  it('rejects a misspelt field, which the schemas alone allow', () => {
    const run = runValidator(['-'], deployment('terminationGracePeriodSecond: 60', '80'));
    expect(errorsOf(run)).toEqual([
      'unknown-field /spec/template/spec/terminationGracePeriodSecond',
    ]);
    expect(run.status).toBe(1);
  }, 60_000);

  it('rejects a misspelt field in a KEDA ScaledObject', () => {
    const run = runValidator(
      ['-'],
      `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: { name: s }
spec:
  scaleTargetRef: { name: d }
  minReplicaCont: 0
  triggers: [{ type: metrics-api, metadata: { url: 'http://a', targetValue: '2' } }]
`,
    );
    expect(errorsOf(run)).toEqual(['unknown-field /spec/minReplicaCont']);
  }, 60_000);

  it('rejects a kind it has no model for instead of skipping it', () => {
    const run = runValidator(['-'], 'apiVersion: v1\nkind: Deploymnet\nmetadata: { name: x }\n');
    expect(errorsOf(run)).toEqual(['kind /kind']);
    expect(run.status).toBe(1);
  }, 60_000);

  it('reports a directory that is not a kustomization', () => {
    const run = runValidator([K8S_DIR]);
    expect(errorsOf(run)).toEqual(['render ']);
    expect(run.status).toBe(1);
  }, 60_000);
});
