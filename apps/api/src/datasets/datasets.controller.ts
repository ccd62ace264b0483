import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { TenantRequest } from '../auth/api-key.guard';
import { ZodPipe } from '../common/zod-body';
import { NAME } from '../models/model-request';
import { RegisterDatasetBody, type DatasetDocument } from './dataset-document';
import { DatasetsService } from './datasets.service';

@Controller('v1/datasets')
export class DatasetsController {
  constructor(private readonly datasets: DatasetsService) {}

  @Post()
  @HttpCode(201)
  register(
    @Req() request: TenantRequest,
    @Body(new ZodPipe(RegisterDatasetBody)) body: RegisterDatasetBody,
  ): Promise<DatasetDocument> {
    return this.datasets.register(request.tenant, body);
  }

  @Get()
  async list(@Req() request: TenantRequest): Promise<{ datasets: DatasetDocument[] }> {
    return { datasets: await this.datasets.list(request.tenant) };
  }

  @Get(':name')
  get(
    @Req() request: TenantRequest,
    @Param('name', new ZodPipe(NAME, 'dataset name')) name: string,
  ): Promise<DatasetDocument> {
    return this.datasets.get(request.tenant, name);
  }
}
