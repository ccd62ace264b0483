// The models' interfaces, as types only: the packages are ESM-only, and `resolution-mode`
// lets this CommonJS project see their types without loading them.
export type {
  IConfigMap,
  IContainer,
  IPodSpec,
  IPodTemplateSpec,
  IService,
} from 'kubernetes-models/v1' with { 'resolution-mode': 'import' };
export type { IDeployment, IStatefulSet } from 'kubernetes-models/apps/v1' with {
  'resolution-mode': 'import',
};
export type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1' with {
  'resolution-mode': 'import',
};
export type {
  IScaledObject,
  ITriggerAuthentication,
} from '@kubernetes-models/keda/keda.sh/v1alpha1' with {
  'resolution-mode': 'import',
};
