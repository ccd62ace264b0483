export * from './app-process';
export * from './farm-env';
export * from './private-redis';
export * from './loopback';
