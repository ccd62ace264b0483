export * from './app-process';
export * from './farm-env';
