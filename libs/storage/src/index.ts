export * from './lib/storage-error';
export * from './lib/s3-client';
export * from './lib/s3-uri';
export * from './lib/s3-upload';
export * from './lib/farm-layout';
export * from './lib/split-outcomes';
export * from './lib/records-work';
