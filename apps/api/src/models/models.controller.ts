import { Body, Controller, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { TenantRequest } from '../auth/api-key.guard';
import { ZodPipe } from '../common/zod-body';
import { RegisterModelBody, NAME } from './model-request';
import { ModelsService } from './models.service';
import type { ModelView } from './model-document';

@Controller('v1/models')
export class ModelsController {
  constructor(private readonly models: ModelsService) {}

  /** 202: registered; the profile job runs next (status `profiling`). */
  @Post()
  @HttpCode(202)
  register(
    @Req() request: TenantRequest,
    @Body(new ZodPipe(RegisterModelBody)) body: RegisterModelBody,
  ): Promise<ModelView> {
    return this.models.register(request.tenant, body);
  }

  @Get()
  async list(@Req() request: TenantRequest): Promise<{ models: ModelView[] }> {
    return { models: await this.models.list(request.tenant) };
  }

  @Get(':name')
  get(
    @Req() request: TenantRequest,
    @Param('name', new ZodPipe(NAME, 'model name')) name: string,
  ): Promise<ModelView> {
    return this.models.get(request.tenant, name);
  }
}
