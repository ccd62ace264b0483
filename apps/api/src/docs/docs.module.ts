import { Module } from '@nestjs/common';
import { DocsController } from './docs.controller';
import { DocsKeyGuard } from './docs-auth';

/** The API's own documentation: Swagger UI at /docs over the OpenAPI document. */
@Module({ controllers: [DocsController], providers: [DocsKeyGuard] })
export class DocsModule {}
