import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { ApiError } from '../common/api-error';
import type { ApiConfig } from '../config/api-config';
import { ApiConfigToken } from '../config/api-config.provider';
import { RedisToken } from '../queues/redis.provider';
import type { TenantRequest } from './api-key.guard';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Mutating requests per tenant per minute, counted in Redis so every API replica shares the
 * count (a fixed one-minute window: simple, and exact about what it allows).
 */
@Injectable()
export class WriteLimitGuard implements CanActivate {
  constructor(
    @Inject(ApiConfigToken) private readonly config: ApiConfig,
    @Inject(RedisToken) private readonly redis: Redis,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<TenantRequest>();
    // Public routes (no tenant) are reads only.
    if (!WRITES.has(request.method) || request.tenant === undefined) return true;
    const minute = Math.floor(Date.now() / 60_000);
    const key = `${this.config.queuePrefix}:ratelimit:${request.tenant}:${minute}`;
    const [[, count]] = (await this.redis.multi().incr(key).expire(key, 61).exec()) as [
      [unknown, number],
    ];
    if (count <= this.config.writesPerMinute) return true;
    const retryAfter = 60 - (Math.floor(Date.now() / 1000) % 60);
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(retryAfter));
    throw new ApiError(
      429,
      'rate-limited',
      `Tenant '${request.tenant}' made more than ${this.config.writesPerMinute} changes this minute; retry after ${retryAfter} s.`,
    );
  }
}
