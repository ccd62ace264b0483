import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { TenantRequest } from '../auth/api-key.guard';
import { ZodPipe } from '../common/zod-body';
import { NAME } from '../models/model-request';
import type { CascadeRunView } from './cascade-run-document';
import { CascadeRunBody } from './cascade-run-request';
import { CascadeRunsService } from './cascade-runs.service';

const RUN_ID = new ZodPipe(NAME, 'cascade run id');

@Controller('v1/cascade-runs')
export class CascadeRunsController {
  constructor(private readonly runs: CascadeRunsService) {}

  /** 202: one cascade job per shard queued; poll GET /v1/cascade-runs/{id}. */
  @Post()
  @HttpCode(202)
  submit(
    @Req() request: TenantRequest,
    @Body(new ZodPipe(CascadeRunBody)) body: CascadeRunBody,
  ): Promise<CascadeRunView> {
    return this.runs.submit(request.tenant, body);
  }

  @Get()
  async list(@Req() request: TenantRequest): Promise<{ cascadeRuns: CascadeRunView[] }> {
    return { cascadeRuns: await this.runs.list(request.tenant) };
  }

  /** Realised against simulated once every shard has run and both models' records exist. */
  @Get(':id')
  get(@Req() request: TenantRequest, @Param('id', RUN_ID) id: string): Promise<CascadeRunView> {
    return this.runs.get(request.tenant, id);
  }
}
