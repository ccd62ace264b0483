// Checks that the autoscalers measure what the workers they scale consume.
import { JobName, QUEUE_NAMES, queueNamed } from '@tinysaver/contracts';
import { resolveEnv, PLACEHOLDER_SECRETS } from './k8s-env';
import {
  appOf,
  containersOf,
  ofKind,
  SECRET_NAME,
  workloads,
  type K8sObject,
} from './k8s-manifests';
import type { IScaledObject } from './k8s-types';

/** Job names (`records`) of a WORKER_QUEUES value, read as the apps read it; unset = all. */
export function queueJobNames(list: string | undefined): string[] {
  return (list ?? QUEUE_NAMES.join(','))
    .split(',')
    .map((q) => q.trim())
    .filter(Boolean)
    .map((q) => {
      const queue = queueNamed(q);
      return queue ? JobName[queue] : `unknown:${q}`;
    })
    .sort();
}

const envOf = (objects: readonly K8sObject[], containerEnv: Parameters<typeof resolveEnv>[0]) =>
  resolveEnv(containerEnv, ofKind(objects, 'ConfigMap'), PLACEHOLDER_SECRETS).env;

/** Every queue has a consumer: a queue nobody takes fills up silently. */
export function queueCoverageProblems(objects: readonly K8sObject[]): string[] {
  const consumed = new Set(
    workloads(objects)
      .flatMap(containersOf)
      .filter((c) => appOf(c) === 'worker')
      .flatMap((c) => queueJobNames(envOf(objects, c).WORKER_QUEUES)),
  );
  return QUEUE_NAMES.map((q) => JobName[q])
    .filter((job) => !consumed.has(job))
    .map((job) => `no worker takes the ${job} queue`);
}

/** Aggregate jobs mostly wait on records jobs: they are served, not scaled on. */
const NOT_SCALED_ON = ['aggregate'];

/**
 * A ScaledObject scales a Deployment it does not fight (no `replicas` of its own) on the API's
 * backlog of exactly the compute queues that Deployment takes, through the API Service, with a
 * Bearer token from the Secret's contract, one worker's worth of jobs per replica.
 */
export function scaledObjectProblems(
  scaledObject: IScaledObject,
  objects: readonly K8sObject[],
  secretKeys: readonly string[],
  apiPaths: readonly string[],
): string[] {
  const name = `ScaledObject ${scaledObject.metadata?.name}`;
  const spec = scaledObject.spec;
  const problems: string[] = [];
  const ref = spec?.scaleTargetRef;
  const target = workloads(objects).find(
    (w) => w.kind === (ref?.kind ?? 'Deployment') && w.name === ref?.name,
  );
  if (!spec || !target) return [`${name}: targets no Deployment in the manifests`];
  if (target.replicas !== undefined)
    problems.push(`${name}: ${target.name} sets replicas, which re-applying would reset`);
  const env = envOf(objects, containersOf(target)[0]);

  if (spec.triggers.some((t) => t.type.startsWith('redis')))
    problems.push(`${name}: a Redis list length misses BullMQ's prioritized and delayed jobs`);
  const triggers = spec.triggers.filter((t) => t.type === 'metrics-api');
  if (triggers.length !== 1) return [...problems, `${name}: needs one metrics-api trigger`];
  const [trigger] = triggers;
  const meta = trigger.metadata;
  if ((trigger.metricType ?? 'AverageValue') !== 'AverageValue')
    problems.push(`${name}: metricType must be AverageValue (per replica; fallback needs it)`);

  const url = new URL(meta.url ?? 'invalid:');
  const [serviceName, namespace, svc, ...rest] = url.hostname.split('.');
  const service = ofKind(objects, 'Service').find(
    (s) => s.metadata?.name === serviceName && s.metadata?.namespace === namespace,
  );
  const servesApi = workloads(objects).some(
    (w) =>
      Object.entries(service?.spec?.selector ?? { none: '' }).every(
        ([k, v]) => w.template.metadata?.labels?.[k] === v,
      ) && containersOf(w).some((c) => appOf(c) === 'api'),
  );
  if (svc !== 'svc' || !['', 'cluster.local'].includes(rest.join('.')) || !service || !servesApi)
    problems.push(`${name}: ${url.hostname} is not <API Service>.<namespace>.svc`);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  if (service && !service.spec?.ports?.some((p) => p.port === port))
    problems.push(`${name}: port ${port} is not a port of Service ${serviceName}`);
  if (url.pathname !== '/metrics/backlog' || !apiPaths.includes(url.pathname))
    problems.push(`${name}: ${url.pathname} is not the API's /metrics/backlog`);

  const scaledOn = queueJobNames(url.searchParams.get('queues') ?? '');
  const consumed = queueJobNames(env.WORKER_QUEUES).filter((q) => !NOT_SCALED_ON.includes(q));
  if (scaledOn.join() !== consumed.join())
    problems.push(
      `${name}: scales on queues ${scaledOn.join()} but ${target.name} takes ${consumed.join()}`,
    );
  if (meta.valueLocation !== 'backlog') problems.push(`${name}: valueLocation is not backlog`);
  if ((meta.format ?? 'json') !== 'json') problems.push(`${name}: format is not json`);

  const perWorker = Number(env.WORKER_CONCURRENCY) + Number(env.WORKER_PREFETCH ?? '1');
  if (Number(meta.targetValue) !== perWorker)
    problems.push(
      `${name}: targetValue ${meta.targetValue}, but one worker holds ${perWorker} jobs`,
    );
  if (Number(meta.activationTargetValue ?? '0') !== 0)
    problems.push(`${name}: activationTargetValue must be 0 (the first job activates)`);

  if (meta.authMode !== 'bearer') problems.push(`${name}: authMode is not bearer`);
  const auth = ofKind(objects, 'TriggerAuthentication').find(
    (a) => a.metadata?.name === trigger.authenticationRef?.name,
  );
  const token = auth?.spec?.secretTargetRef?.find((r) => r.parameter === 'token');
  if (!token || token.name !== SECRET_NAME || !secretKeys.includes(token.key))
    problems.push(`${name}: its token is not a key of Secret ${SECRET_NAME}`);

  if (!spec.fallback || spec.fallback.replicas < 1)
    problems.push(`${name}: no fallback replicas for when the API cannot answer`);
  const scaleDown = spec.advanced?.horizontalPodAutoscalerConfig?.behavior?.scaleDown;
  if ((scaleDown?.stabilizationWindowSeconds ?? 0) < 300)
    problems.push(`${name}: scales down within 5 minutes of a dip`);
  return problems;
}
