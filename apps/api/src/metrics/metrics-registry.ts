import type { Provider } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

export const METRIC_PREFIX = 'tinysaver_';

/**
 * One prom-client Registry per app instance, injected by its class. Never prom-client's global
 * default registry: tests run several apps in one process, and a second app would find every
 * metric name taken. The process metrics (CPU, memory, event-loop lag, GC) live on it too.
 */
export const registryProvider: Provider = {
  provide: Registry,
  useFactory: () => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
    return registry;
  },
};
