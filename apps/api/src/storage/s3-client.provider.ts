import type { Provider } from '@nestjs/common';
import { createS3Client } from '@tinysaver/storage';
import type { ApiConfig } from '../config/api-config';
import { ApiConfigToken } from '../config/api-config.provider';

export const S3ClientToken = Symbol('S3Client');

export const s3ClientProvider: Provider = {
  provide: S3ClientToken,
  inject: [ApiConfigToken],
  useFactory: (config: ApiConfig) =>
    createS3Client({
      endpoint: config.s3.endpoint,
      region: config.s3.region,
      requestTimeoutMs: config.s3.requestTimeoutMs,
      maxAttempts: config.s3.maxAttempts,
    }),
};
