export * from './lib/farm-client';
