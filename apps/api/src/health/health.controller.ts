import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/api-key.guard';
import { JobQueues } from '../queues/job-queues';
import { DocumentStore } from '../storage/document-store';

/**
 * `GET /health`: Redis and S3 reachable (200) or which one is not (503), the readiness probe.
 * No API key needed.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly queues: JobQueues,
    private readonly store: DocumentStore,
  ) {}

  /** `GET /health/live`: the process answers (a liveness probe must not restart the API for an S3 outage). */
  @Public()
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Public()
  @Get()
  @HttpCode(200)
  async health(@Res({ passthrough: true }) response: Response) {
    const check = async (probe: () => Promise<void>) => {
      let timer: NodeJS.Timeout | undefined;
      // A down Redis makes ioredis queue commands while it reconnects: never wait for it.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(Object.assign(new Error('timed out'), { name: 'Timeout' })),
          2_000,
        );
      });
      try {
        await Promise.race([probe(), timeout]);
        return 'ok';
      } catch (error) {
        return `unavailable: ${(error as Error).name || 'error'}`;
      } finally {
        clearTimeout(timer);
      }
    };
    const [redis, s3] = await Promise.all([
      check(() => this.queues.ping()),
      check(() => this.store.ping()),
    ]);
    const ok = redis === 'ok' && s3 === 'ok';
    response.status(ok ? 200 : 503);
    return { status: ok ? 'ok' : 'degraded', redis, s3 };
  }
}
