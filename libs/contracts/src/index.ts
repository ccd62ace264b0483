export * from './lib/contract-error';
export * from './lib/queues';
export * from './lib/payloads';
export * from './lib/job-failure';
export * from './lib/providers';
export * from './lib/results';
export * from './lib/search';
export * from './lib/api-views';
