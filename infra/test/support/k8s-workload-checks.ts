// Consistency checks over rendered objects. Each returns the problems it finds (empty = fine),
// so a test can show it passing on the manifests and failing on a broken copy.
import { containersOf, ofKind, workloads, type K8sObject, type Workload } from './k8s-manifests';
import type { IContainer, IPodSpec, IStatefulSet } from './k8s-types';

const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([key, value]) => labels?.[key] === value);

const selected = (objects: readonly K8sObject[], selector: Record<string, string>) =>
  workloads(objects).filter((w) => matches(selector, w.template.metadata?.labels));

/**
 * Workload selectors match their own pod labels; every Service selects a workload; every PDB
 * selects exactly one (a pod under two PDBs cannot be evicted at all).
 */
export function selectorProblems(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const w of workloads(objects))
    if (!matches(w.selector, w.template.metadata?.labels))
      problems.push(`${w.kind} ${w.name}: selector does not match its pod labels`);
  for (const s of ofKind(objects, 'Service'))
    if (selected(objects, s.spec?.selector ?? {}).length === 0)
      problems.push(`Service ${s.metadata?.name}: selects no workload's pods`);
  for (const pdb of ofKind(objects, 'PodDisruptionBudget')) {
    const count = selected(objects, pdb.spec?.selector?.matchLabels ?? {}).length;
    if (count !== 1)
      problems.push(`PodDisruptionBudget ${pdb.metadata?.name}: selects ${count} workloads, not 1`);
  }
  return problems;
}

/** Every Service port's targetPort is a port of the containers it selects. */
export function servicePortProblems(objects: readonly K8sObject[]): string[] {
  const problems: string[] = [];
  for (const s of ofKind(objects, 'Service')) {
    const ports = selected(objects, s.spec?.selector ?? {})
      .flatMap(containersOf)
      .flatMap((c) => c.ports ?? []);
    for (const p of s.spec?.ports ?? []) {
      const target = p.targetPort ?? p.port;
      const found = ports.some((cp) =>
        typeof target === 'string' ? cp.name === target : cp.containerPort === target,
      );
      if (!found)
        problems.push(`Service ${s.metadata?.name}: targetPort ${target} is no container port`);
    }
  }
  return problems;
}

const PORT_VARIABLE = { api: ['PORT', 'HOST'], worker: ['WORKER_HTTP_PORT', 'WORKER_HTTP_HOST'] };

/**
 * The app listens where the pod says it does: the `http` containerPort is the PORT (API) or
 * WORKER_HTTP_PORT (worker) it is given, on 0.0.0.0 so probes and the Service can reach it.
 */
export function listenProblems(
  app: 'api' | 'worker',
  container: IContainer,
  env: Readonly<Record<string, string>>,
): string[] {
  const [portName, hostName] = PORT_VARIABLE[app];
  const http = container.ports?.find((p) => p.name === 'http');
  const problems: string[] = [];
  if (!http) problems.push(`${container.name}: no containerPort named http`);
  else if (String(http.containerPort) !== env[portName])
    problems.push(
      `${container.name}: containerPort ${http.containerPort} but ${portName}=${env[portName]}`,
    );
  if (env[hostName] !== '0.0.0.0')
    problems.push(`${container.name}: ${hostName}=${env[hostName]} is unreachable from the pod IP`);
  return problems;
}

/**
 * Probes ask paths the app serves, on its `http` port: readiness `/health` (dependencies
 * reachable) and liveness `/health/live` (process answers), so that a Redis or S3 outage takes
 * pods out of service without restarting them.
 */
export function probeProblems(container: IContainer, servedPaths: readonly string[]): string[] {
  const problems: string[] = [];
  const probes = {
    startupProbe: container.startupProbe,
    readinessProbe: container.readinessProbe,
    livenessProbe: container.livenessProbe,
  };
  for (const [kind, probe] of Object.entries(probes)) {
    if (!probe) continue;
    const path = probe.httpGet?.path ?? '';
    if (!servedPaths.includes(path))
      problems.push(`${container.name}: ${kind} asks ${path}, which the app does not serve`);
    if (probe.httpGet && probe.httpGet.port !== 'http')
      problems.push(`${container.name}: ${kind} is not on the http port`);
  }
  if (container.readinessProbe?.httpGet?.path !== '/health')
    problems.push(`${container.name}: readinessProbe must ask /health`);
  if (container.livenessProbe?.httpGet?.path !== '/health/live')
    problems.push(`${container.name}: livenessProbe must ask /health/live`);
  return problems;
}

/** Margin beyond SHUTDOWN_GRACE_MS for handing jobs back, closing and exiting. */
export const SHUTDOWN_MARGIN_S = 30;

/** The kubelet's SIGKILL comes after the worker's own grace for the job in hand, not during it. */
export function gracePeriodProblems(
  podSpec: IPodSpec,
  env: Readonly<Record<string, string>>,
): string[] {
  const graceMs = Number(env.SHUTDOWN_GRACE_MS ?? '300000'); // the worker's default
  const needed = Math.ceil(graceMs / 1000) + SHUTDOWN_MARGIN_S;
  const given = podSpec.terminationGracePeriodSeconds ?? 30; // Kubernetes' default
  return given >= needed
    ? []
    : [`terminationGracePeriodSeconds ${given} < SHUTDOWN_GRACE_MS/1000 + ${SHUTDOWN_MARGIN_S}`];
}

/** Non-root, read-only root, no capabilities, no escalation, and sized (requests and limits). */
export function securityProblems(podSpec: IPodSpec): string[] {
  const problems: string[] = [];
  for (const c of podSpec.containers) {
    const sc = c.securityContext;
    if (!(sc?.runAsNonRoot ?? podSpec.securityContext?.runAsNonRoot))
      problems.push(`${c.name}: may run as root`);
    if (sc?.allowPrivilegeEscalation !== false)
      problems.push(`${c.name}: allows privilege escalation`);
    if (sc?.readOnlyRootFilesystem !== true) problems.push(`${c.name}: writable root filesystem`);
    if (!sc?.capabilities?.drop?.includes('ALL'))
      problems.push(`${c.name}: does not drop ALL capabilities`);
    if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory)
      problems.push(`${c.name}: no cpu/memory requests`);
    if (!c.resources?.limits?.memory) problems.push(`${c.name}: no memory limit`);
  }
  return problems;
}

/** A pinned version: no tag (= latest) makes a rollout depend on when a node pulls. */
export function imageProblems(container: IContainer): string[] {
  const tag = /:([^/:@]+)$/.exec(container.image ?? '')?.[1];
  return !tag || tag === 'latest'
    ? [`${container.name}: image ${container.image} has no version`]
    : [];
}

/** One CUDA session per GPU, on GPU nodes only, tolerated by their taint. */
export function gpuProblems(workload: Workload, env: Readonly<Record<string, string>>): string[] {
  const podSpec = workload.template.spec;
  const problems: string[] = [];
  const gpus = Number(containersOf(workload)[0]?.resources?.limits?.['nvidia.com/gpu'] ?? 0);
  if (gpus < 1) problems.push(`${workload.name}: no nvidia.com/gpu limit`);
  if (env.WORKER_CONCURRENCY !== String(gpus))
    problems.push(`${workload.name}: WORKER_CONCURRENCY=${env.WORKER_CONCURRENCY}, GPUs ${gpus}`);
  if (env.ORT_EXECUTION_PROVIDERS?.split(',')[0] !== 'cuda')
    problems.push(`${workload.name}: ORT_EXECUTION_PROVIDERS does not start with cuda`);
  const tolerated = (podSpec?.tolerations ?? []).some(
    (t) =>
      (t.key === 'nvidia.com/gpu' || (t.key === undefined && t.operator === 'Exists')) &&
      (t.effect === 'NoSchedule' || t.effect === undefined),
  );
  if (!tolerated) problems.push(`${workload.name}: does not tolerate the nvidia.com/gpu taint`);
  if (Object.keys(podSpec?.nodeSelector ?? {}).length === 0 && !podSpec?.affinity?.nodeAffinity)
    problems.push(`${workload.name}: not pinned to GPU nodes`);
  return problems;
}

/** BullMQ needs noeviction (an evicted key is a lost job); AOF on a volume survives restarts. */
export function redisProblems(redis: IStatefulSet): string[] {
  const container = redis.spec?.template.spec?.containers[0];
  const argv = [...(container?.command ?? []), ...(container?.args ?? [])].join(' ');
  const problems: string[] = [];
  if (!/--appendonly yes\b/.test(argv)) problems.push('redis: AOF (--appendonly yes) is off');
  if (!/--maxmemory-policy noeviction\b/.test(argv))
    problems.push('redis: --maxmemory-policy is not noeviction');
  const dir = /--dir (\S+)/.exec(argv)?.[1] ?? '/data';
  const claims = (redis.spec?.volumeClaimTemplates ?? []).map((c) => c.metadata?.name);
  const mount = container?.volumeMounts?.find((m) => m.mountPath === dir);
  if (!mount || !claims.includes(mount.name))
    problems.push(`redis: ${dir} is not on a PersistentVolumeClaim`);
  return problems;
}
