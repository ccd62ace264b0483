import { Controller, Get, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { Registry } from 'prom-client';
import { AdminKeyGuard } from '../admin/admin-auth';
import { Public } from '../auth/api-key.guard';

/** `GET /metrics`: Prometheus text format. Public to the tenant guard, guarded by an admin key. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: Registry) {}

  @Public()
  @UseGuards(AdminKeyGuard)
  @Get()
  async metrics(@Res({ passthrough: true }) response: Response): Promise<string> {
    const text = await this.registry.metrics();
    response.setHeader('Content-Type', this.registry.contentType);
    return text;
  }
}
