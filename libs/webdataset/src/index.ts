export * from './lib/webdataset-error';
export * from './lib/sample-key';
export * from './lib/labelled-sample';
export * from './lib/deterministic-gzip';
export * from './lib/tar-writer';
export * from './lib/shard-reader';
export * from './lib/shard-file';
export * from './lib/dataset-manifest';
