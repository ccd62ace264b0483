import type { Provider } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { ApiConfig } from '../config/api-config';
import { ApiConfigToken } from '../config/api-config.provider';

/** The API's one Redis connection (BullMQ producers and the write limiter share it). */
export const RedisToken = Symbol('Redis');

export const redisProvider: Provider = {
  provide: RedisToken,
  inject: [ApiConfigToken],
  // BullMQ needs maxRetriesPerRequest: null (blocking commands must not be cut short).
  useFactory: (config: ApiConfig) => new Redis(config.redisUrl, { maxRetriesPerRequest: null }),
};
