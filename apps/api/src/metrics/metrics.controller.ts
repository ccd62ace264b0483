import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { Registry } from 'prom-client';
import { AdminKeyGuard } from '../admin/admin-auth';
import { Public } from '../auth/api-key.guard';
import { ZodPipe } from '../common/zod-body';
import { BacklogQuery, backlogView, type BacklogView } from './backlog';
import { QueueMetrics } from './queue-metrics';

/** Public to the tenant guard, guarded by an admin key. */
@Public()
@UseGuards(AdminKeyGuard)
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly registry: Registry,
    private readonly queueMetrics: QueueMetrics,
  ) {}

  /** `GET /metrics`: Prometheus text format. */
  @Get()
  async metrics(@Res({ passthrough: true }) response: Response): Promise<string> {
    const text = await this.registry.metrics();
    response.setHeader('Content-Type', this.registry.contentType);
    return text;
  }

  /** `GET /metrics/backlog`: JSON for an autoscaler (KEDA's metrics-api trigger), read from Redis now. */
  @Get('backlog')
  async backlog(
    @Query(new ZodPipe(BacklogQuery, 'query')) query: BacklogQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<BacklogView> {
    response.setHeader('Cache-Control', 'no-store');
    return backlogView(await this.queueMetrics.backlog(query.queues));
  }
}
