export * from './lib/env-reader';
export * from './lib/farm-connections';
export * from './lib/config-check';
