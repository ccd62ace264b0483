// The workloads agree with each other and with the apps: selectors, ports, probes, shutdown,
// security, images, GPUs and Redis. Each check is also shown failing on a broken copy.
import { apiPaths, workerPaths } from './support/app-routes';
import { PLACEHOLDER_SECRETS, resolveEnv } from './support/k8s-env';
import { dockerfileOf, dockerfileUser, runAsUserProblems } from './support/k8s-images';
import {
  appOf,
  containersOf,
  named,
  ofKind,
  OVERLAYS,
  renderOverlay,
  workloads,
  type K8sObject,
  type Workload,
} from './support/k8s-manifests';
import {
  gpuProblems,
  gracePeriodProblems,
  imageProblems,
  listenProblems,
  probeProblems,
  redisProblems,
  securityProblems,
  selectorProblems,
  servicePortProblems,
} from './support/k8s-workload-checks';
import type { IContainer } from './support/k8s-types';

const rendered = new Map(OVERLAYS.map((o) => [o, renderOverlay(o)] as const));
const objectsOf = (overlay: string) => rendered.get(overlay as 'gpu') ?? [];
const envOf = (objects: readonly K8sObject[], c: IContainer) =>
  resolveEnv(c, ofKind(objects, 'ConfigMap'), PLACEHOLDER_SECRETS).env;
const workload = (objects: readonly K8sObject[], name: string): Workload => {
  const found = workloads(objects).find((w) => w.name === name);
  if (!found) throw new Error(`no workload ${name}`);
  return found;
};
/** A deep copy to break: the rendered objects stay as they are for the other tests. */
const copyOf = (overlay: string) => structuredClone(objectsOf(overlay));
const podSpecOf = (w: Workload) => {
  if (!w.template.spec) throw new Error(`${w.name} has no pod spec`);
  return w.template.spec;
};

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  const objects = objectsOf(overlay);
  const apps = workloads(objects).filter((w) => containersOf(w).some((c) => appOf(c)));

  it('selectors match pod labels; Services and PDBs select workloads', () => {
    expect(selectorProblems(objects)).toEqual([]);
  });

  it('Service target ports are container ports', () => {
    expect(servicePortProblems(objects)).toEqual([]);
  });

  it.each(apps.map((w) => [w.name, w] as const))(
    '%s listens on its http port, probes served paths and waits for its shutdown',
    (_name, w) => {
      const [container] = containersOf(w);
      const app = appOf(container) ?? 'api';
      const env = envOf(objects, container);
      expect(listenProblems(app, container, env)).toEqual([]);
      expect(probeProblems(container, app === 'api' ? apiPaths() : workerPaths())).toEqual([]);
      if (app === 'worker') expect(gracePeriodProblems(podSpecOf(w), env)).toEqual([]);
    },
  );

  it.each(workloads(objects).map((w) => [w.name, w] as const))(
    '%s runs locked down, sized and pinned to a version',
    (_name, w) => {
      expect(securityProblems(podSpecOf(w))).toEqual([]);
      expect(containersOf(w).flatMap(imageProblems)).toEqual([]);
    },
  );

  it.each(apps.map((w) => [w.name, w] as const))(
    '%s runs as the user its image (infra/docker) was built for',
    (_name, w) => {
      const dockerfile = dockerfileOf(containersOf(w)[0].image);
      if (!dockerfile) throw new Error(`no Dockerfile in infra/docker for ${w.name}`);
      const user = dockerfileUser(dockerfile);
      if (!user) throw new Error(`${dockerfile} sets no USER`);
      expect(runAsUserProblems(podSpecOf(w), user)).toEqual([]);
    },
  );

  it('Redis keeps every job: AOF on a volume, no eviction', () => {
    expect(redisProblems(named(objects, 'StatefulSet', 'redis'))).toEqual([]);
  });
});

describe('overlay gpu', () => {
  const objects = objectsOf('gpu');
  const gpu = workload(objects, 'worker-gpu');

  it('runs GPU workers: one CUDA session per GPU, on GPU nodes', () => {
    expect(gpuProblems(gpu, envOf(objects, containersOf(gpu)[0]))).toEqual([]);
  });

  it('leaves the CPU worker the aggregate queue only', () => {
    const cpu = workload(objects, 'worker');
    expect(envOf(objects, containersOf(cpu)[0]).WORKER_QUEUES).toBe('aggregate');
    expect(cpu.replicas).toBeGreaterThanOrEqual(2);
  });
});

describe('overlay cpu', () => {
  const objects = objectsOf('cpu');

  it('has no GPU objects', () => {
    const gpuish = objects.filter((o) => JSON.stringify(o).includes('nvidia.com/gpu'));
    expect(gpuish.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    expect(workloads(objects).map((w) => w.name)).not.toContain('worker-gpu');
  });
});

describe('the checks fail where they should', () => {
  it('a Deployment whose selector misses its pod labels', () => {
    const objects = copyOf('gpu');
    const api = named(objects, 'Deployment', 'api');
    api.spec!.selector.matchLabels = { 'app.kubernetes.io/component': 'apx' };
    expect(selectorProblems(objects)).toContain(
      'Deployment api: selector does not match its pod labels',
    );
  });

  it('a PDB selecting no workload, and one selecting two', () => {
    const objects = copyOf('gpu');
    const [first, second] = ofKind(objects, 'PodDisruptionBudget');
    first.spec!.selector = { matchLabels: { nothing: 'here' } };
    second.spec!.selector = { matchLabels: { 'app.kubernetes.io/name': 'tinysaver' } };
    expect(selectorProblems(objects)).toEqual([
      `PodDisruptionBudget ${first.metadata!.name}: selects 0 workloads, not 1`,
      `PodDisruptionBudget ${second.metadata!.name}: selects 4 workloads, not 1`,
    ]);
  });

  it('a Service targeting a port name no container has', () => {
    const objects = copyOf('gpu');
    named(objects, 'Service', 'api').spec!.ports![0].targetPort = 'htp';
    expect(servicePortProblems(objects)).toEqual([
      'Service api: targetPort htp is no container port',
    ]);
  });

  it('a containerPort other than PORT, and a loopback HOST', () => {
    const container = containersOf(workload(copyOf('gpu'), 'api'))[0];
    container.ports![0].containerPort = 3000;
    expect(listenProblems('api', container, { PORT: '8080', HOST: '127.0.0.1' })).toEqual([
      'api: containerPort 3000 but PORT=8080',
      'api: HOST=127.0.0.1 is unreachable from the pod IP',
    ]);
  });

  it('a probe on a path the API does not serve, and liveness on readiness', () => {
    const container = containersOf(workload(copyOf('gpu'), 'api'))[0];
    container.livenessProbe!.httpGet!.path = '/healthz';
    expect(probeProblems(container, ['/health', '/health/live'])).toEqual([
      'api: livenessProbe asks /healthz, which the app does not serve',
      'api: livenessProbe must ask /health/live',
    ]);
  });

  it('a grace period shorter than the worker takes to finish its job', () => {
    const w = workload(copyOf('gpu'), 'worker-gpu');
    podSpecOf(w).terminationGracePeriodSeconds = 300;
    expect(gracePeriodProblems(podSpecOf(w), { SHUTDOWN_GRACE_MS: '300000' })).toHaveLength(1);
    expect(gracePeriodProblems(podSpecOf(w), {})).toHaveLength(1); // the worker's default
  });

  it('a container that may run as root with a writable root', () => {
    const spec = podSpecOf(workload(copyOf('gpu'), 'api'));
    spec.securityContext!.runAsNonRoot = false;
    spec.containers[0].securityContext!.readOnlyRootFilesystem = false;
    expect(securityProblems(spec)).toEqual([
      'api: may run as root',
      'api: writable root filesystem',
    ]);
  });

  it("a pod running as another uid than its image's user", () => {
    const spec = podSpecOf(workload(copyOf('gpu'), 'worker-gpu'));
    expect(runAsUserProblems(spec, '10001:10001')).toEqual([]);
    expect(runAsUserProblems(spec, '1000:1000')).toEqual([
      "runs as 10001:10001, but the image's user is 1000:1000",
    ]);
  });

  it('an image without a version', () => {
    expect(imageProblems({ name: 'c', image: 'tinysaver/api' })).toHaveLength(1);
    expect(imageProblems({ name: 'c', image: 'registry:5000/tinysaver/api:latest' })).toHaveLength(
      1,
    );
  });

  it('a GPU worker without the toleration, or with two sessions on one GPU', () => {
    const w = workload(copyOf('gpu'), 'worker-gpu');
    podSpecOf(w).tolerations = [];
    const env = { WORKER_CONCURRENCY: '2', ORT_EXECUTION_PROVIDERS: 'cuda,cpu' };
    expect(gpuProblems(w, env)).toEqual([
      'worker-gpu: WORKER_CONCURRENCY=2, GPUs 1',
      'worker-gpu: does not tolerate the nvidia.com/gpu taint',
    ]);
  });

  it('Redis with eviction on and its data off the volume', () => {
    const redis = named(copyOf('gpu'), 'StatefulSet', 'redis');
    const container = redis.spec!.template.spec!.containers[0];
    container.command = container.command!.map((arg) =>
      arg === 'noeviction' ? 'allkeys-lru' : arg,
    );
    container.volumeMounts = [];
    expect(redisProblems(redis)).toEqual([
      'redis: --maxmemory-policy is not noeviction',
      'redis: /data is not on a PersistentVolumeClaim',
    ]);
  });
});
