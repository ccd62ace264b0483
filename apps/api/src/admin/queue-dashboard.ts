import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUE_NAMES } from '@tinysaver/contracts';
import type { ApiConfig } from '../config/api-config';
import { ApiConfigToken } from '../config/api-config.provider';
import { RedisToken } from '../queues/redis.provider';
import { adminAuthMiddleware } from './admin-auth';

export const DASHBOARD_PATH = '/admin/queues';

/**
 * bull-board over every farm queue, read-only: operators look, they do not retry or remove jobs
 * (that is what the REST API and the workers' retry policy are for).
 */
@Injectable()
export class QueueDashboard implements OnApplicationShutdown {
  private readonly queues: Queue[];
  private readonly board: ExpressAdapter;

  constructor(
    @Inject(ApiConfigToken) private readonly config: ApiConfig,
    @Inject(RedisToken) redis: Redis,
  ) {
    this.queues = QUEUE_NAMES.map(
      (name) => new Queue(name, { connection: redis, prefix: config.queuePrefix }),
    );
    this.board = new ExpressAdapter().setBasePath(DASHBOARD_PATH);
    createBullBoard({
      queues: this.queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: true })),
      serverAdapter: this.board,
      options: { uiConfig: { boardTitle: 'TinySaver queues' } },
    });
  }

  /** Mounts the board (pages, assets and its JSON API) behind the admin check. */
  mount(app: NestExpressApplication): void {
    app.use(
      DASHBOARD_PATH,
      adminAuthMiddleware(this.config.adminKeys),
      this.board.getRouter() as unknown,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    // The Redis connection is shared (JobQueues closes it): this closes only the queue handles.
    await Promise.all(this.queues.map((queue) => queue.close()));
  }
}
