// Renders the kustomizations under infra/k8s and gives the tests typed access to the objects.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type {
  IConfigMap,
  IContainer,
  IDeployment,
  IPodDisruptionBudget,
  IPodTemplateSpec,
  IScaledObject,
  IService,
  IStatefulSet,
  ITriggerAuthentication,
} from './k8s-types';
import { repoRoot } from './workspace';

export const K8S_DIR = join(repoRoot, 'infra/k8s');
export const OVERLAYS = ['gpu', 'cpu'] as const;
export type Overlay = (typeof OVERLAYS)[number];

/** Any rendered object: the tests narrow it by kind. */
export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly [field: string]: unknown;
}

export interface Kinds {
  ConfigMap: IConfigMap;
  Deployment: IDeployment;
  StatefulSet: IStatefulSet;
  Service: IService;
  PodDisruptionBudget: IPodDisruptionBudget;
  ScaledObject: IScaledObject;
  TriggerAuthentication: ITriggerAuthentication;
}

export function renderKustomization(dir: string): K8sObject[] {
  let yaml: string;
  try {
    yaml = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new Error(
      'kubectl is not installed: the manifests are rendered with `kubectl kustomize` (kubectl ≥ 1.21, for kustomize components). Install kubectl, then rerun.',
    );
  }
  return parseAllDocuments(yaml)
    .map((document) => document.toJS() as K8sObject | null)
    .filter((object): object is K8sObject => object !== null);
}

export const overlayDir = (overlay: Overlay) => join(K8S_DIR, 'overlays', overlay);
export const renderOverlay = (overlay: Overlay) => renderKustomization(overlayDir(overlay));

export function ofKind<K extends keyof Kinds>(objects: readonly K8sObject[], kind: K): Kinds[K][] {
  return objects.filter((o) => o.kind === kind) as unknown as Kinds[K][];
}

export function named<K extends keyof Kinds>(
  objects: readonly K8sObject[],
  kind: K,
  name: string,
): Kinds[K] {
  const found = ofKind(objects, kind).find((o) => o.metadata?.name === name);
  if (!found) throw new Error(`no ${kind} named ${name}`);
  return found;
}

/** A Deployment or StatefulSet: what the checks need of either. */
export interface Workload {
  readonly kind: 'Deployment' | 'StatefulSet';
  readonly name: string;
  readonly namespace: string | undefined;
  readonly selector: Record<string, string>;
  readonly template: IPodTemplateSpec;
  readonly replicas: number | undefined;
}

export function workloads(objects: readonly K8sObject[]): Workload[] {
  return [...ofKind(objects, 'Deployment'), ...ofKind(objects, 'StatefulSet')].map((w) => ({
    kind: w.kind,
    name: w.metadata?.name ?? '',
    namespace: w.metadata?.namespace,
    selector: w.spec?.selector.matchLabels ?? {},
    template: w.spec?.template ?? {},
    replicas: w.spec?.replicas,
  }));
}

export const containersOf = (workload: Workload): IContainer[] =>
  workload.template.spec?.containers ?? [];

/** Which of the farm's apps a container runs, by its image (registry and tag aside). */
export function appOf(container: IContainer): 'api' | 'worker' | undefined {
  const repository = (container.image ?? '').replace(/[:@].*$/, '');
  if (/(^|\/)tinysaver\/api$/.test(repository)) return 'api';
  if (/(^|\/)tinysaver\/worker(-gpu)?$/.test(repository)) return 'worker';
  return undefined;
}

/** The keys Secret `tinysaver-secrets` holds: infra/k8s/secrets.example.env is the contract. */
export function secretContractKeys(): string[] {
  return readFileSync(join(K8S_DIR, 'secrets.example.env'), 'utf8')
    .split('\n')
    .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line.trim())?.[1])
    .filter((key): key is string => key !== undefined);
}

export const SECRET_NAME = 'tinysaver-secrets';
