// KEDA scales each worker Deployment on the API's backlog of the queues that Deployment takes:
// the GPU workers from zero, the CPU-only farm's worker from one.
import { apiPaths } from './support/app-routes';
import {
  named,
  ofKind,
  OVERLAYS,
  renderOverlay,
  secretContractKeys,
} from './support/k8s-manifests';
import {
  queueCoverageProblems,
  queueJobNames,
  scaledObjectProblems,
} from './support/k8s-scaler-checks';

const rendered = new Map(OVERLAYS.map((o) => [o, renderOverlay(o)] as const));
const objectsOf = (overlay: 'gpu' | 'cpu') => rendered.get(overlay) ?? [];
const copyOf = (overlay: 'gpu' | 'cpu') => structuredClone(objectsOf(overlay));
const check = (overlay: 'gpu' | 'cpu', objects = objectsOf(overlay)) =>
  ofKind(objects, 'ScaledObject').flatMap((so) =>
    scaledObjectProblems(so, objects, secretContractKeys(), apiPaths()),
  );

describe.each(OVERLAYS)('overlay %s', (overlay) => {
  it('gives every queue a consumer', () => {
    expect(queueCoverageProblems(objectsOf(overlay))).toEqual([]);
  });

  it('scales on the backlog of what the scaled workers take, through the API', () => {
    expect(ofKind(objectsOf(overlay), 'ScaledObject')).toHaveLength(1);
    expect(check(overlay)).toEqual([]);
  });
});

describe('the GPU workers', () => {
  const scaler = named(objectsOf('gpu'), 'ScaledObject', 'worker-gpu');

  it('scale from zero and come back up on the first job', () => {
    expect(scaler.spec?.scaleTargetRef.name).toBe('worker-gpu');
    expect(scaler.spec?.minReplicaCount).toBe(0);
    expect(scaler.spec?.triggers[0].metadata.activationTargetValue).toBe('0');
  });
});

describe('the CPU-only farm', () => {
  it('never scales its worker below one, which also serves the aggregate queue', () => {
    const scaler = named(objectsOf('cpu'), 'ScaledObject', 'worker');
    expect(scaler.spec?.minReplicaCount).toBe(1);
  });
});

describe('the checks fail where they should', () => {
  const gpuScaler = (objects: ReturnType<typeof copyOf>) => {
    const so = named(objects, 'ScaledObject', 'worker-gpu');
    if (!so.spec) throw new Error('no spec');
    return { so, spec: so.spec, meta: so.spec.triggers[0].metadata };
  };

  it('a queue no worker takes', () => {
    const objects = copyOf('gpu');
    const gpu = named(objects, 'Deployment', 'worker-gpu');
    const queues = gpu.spec?.template.spec?.containers[0].env?.find(
      (e) => e.name === 'WORKER_QUEUES',
    );
    if (queues) queues.value = 'records,cascade';
    expect(queueCoverageProblems(objects)).toEqual(['no worker takes the profile queue']);
  });

  it('a Redis list-length trigger', () => {
    const objects = copyOf('gpu');
    gpuScaler(objects).spec.triggers.push({ type: 'redis', metadata: { listName: 'x' } });
    expect(check('gpu', objects)).toContain(
      "ScaledObject worker-gpu: a Redis list length misses BullMQ's prioritized and delayed jobs",
    );
  });

  it('queues that differ from the workers', () => {
    const objects = copyOf('gpu');
    const { meta } = gpuScaler(objects);
    meta.url = meta.url.replace('queues=records,profile,cascade', 'queues=records');
    expect(check('gpu', objects)).toEqual([
      'ScaledObject worker-gpu: scales on queues records but worker-gpu takes cascade,profile,records',
    ]);
  });

  it('a host that is not the API Service, and a wrong port', () => {
    const objects = copyOf('gpu');
    const { meta } = gpuScaler(objects);
    meta.url = meta.url.replace('api.tinysaver.svc:80', 'redis.tinysaver.svc:8080');
    expect(check('gpu', objects)).toEqual([
      'ScaledObject worker-gpu: redis.tinysaver.svc is not <API Service>.<namespace>.svc',
      'ScaledObject worker-gpu: port 8080 is not a port of Service redis',
    ]);
  });

  it('a token from a key outside the Secret contract', () => {
    const objects = copyOf('gpu');
    const auth = named(objects, 'TriggerAuthentication', 'api-backlog');
    auth.spec.secretTargetRef![0].key = 'KEDA_TOKEN';
    expect(check('gpu', objects)).toEqual([
      'ScaledObject worker-gpu: its token is not a key of Secret tinysaver-secrets',
    ]);
  });

  it('a target that is not there, or that sets its own replicas', () => {
    const objects = copyOf('gpu');
    named(objects, 'Deployment', 'worker-gpu').spec!.replicas = 1;
    expect(check('gpu', objects)).toEqual([
      'ScaledObject worker-gpu: worker-gpu sets replicas, which re-applying would reset',
    ]);
    gpuScaler(objects).spec.scaleTargetRef.name = 'worker-gpus';
    expect(check('gpu', objects)).toEqual([
      'ScaledObject worker-gpu: targets no Deployment in the manifests',
    ]);
  });

  it('a target value that is not one worker’s jobs, and a quick scale-down', () => {
    const objects = copyOf('gpu');
    const { spec, meta } = gpuScaler(objects);
    meta.targetValue = '10';
    spec.advanced = {};
    expect(check('gpu', objects)).toEqual([
      'ScaledObject worker-gpu: targetValue 10, but one worker holds 2 jobs',
      'ScaledObject worker-gpu: scales down within 5 minutes of a dip',
    ]);
  });

  it('reads queue lists by job or full name, and flags unknown ones', () => {
    expect(queueJobNames('tinysaver-records, profile')).toEqual(['profile', 'records']);
    expect(queueJobNames(undefined)).toHaveLength(4);
    expect(queueJobNames('recrods')).toEqual(['unknown:recrods']);
  });
});
