import { Controller, Get, Header, Param, Res, UseGuards } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../auth/api-key.guard';
import { notFound } from '../common/api-error';
import { buildOpenApiDocument, type OpenApiDocument } from './openapi-document';
import { DocsKeyGuard } from './docs-auth';
import {
  CONTENT_SECURITY_POLICY,
  INDEX_PAGE,
  INIT_SCRIPT,
  SWAGGER_UI_DIR,
  SWAGGER_UI_FILES,
} from './swagger-page';

/** Pages behind a key: browsers may keep them, shared caches may not. */
const PRIVATE = 'private, max-age=3600';

/**
 * `GET /docs`: Swagger UI over `GET /docs/openapi.json`, its assets under /docs/assets, all from
 * this API (no CDN). A tenant key as Bearer or as the Basic password (a browser asks for it).
 */
@Controller('docs')
@Public()
@UseGuards(DocsKeyGuard)
export class DocsController {
  private document?: OpenApiDocument;

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
  @Header('Cache-Control', 'private, no-cache')
  page(): string {
    return INDEX_PAGE;
  }

  @Get('openapi.json')
  @Header('Cache-Control', 'private, no-cache')
  openapi(): OpenApiDocument {
    return (this.document ??= buildOpenApiDocument());
  }

  @Get('assets/:file')
  asset(@Param('file') file: string, @Res() response: Response): void {
    if (file === 'init.js') {
      response.type('text/javascript').setHeader('Cache-Control', 'private, no-cache');
      response.send(INIT_SCRIPT);
      return;
    }
    if (!SWAGGER_UI_FILES.has(file))
      throw notFound('asset-not-found', `No asset '${file}'; open /docs.`);
    response.sendFile(
      file,
      { root: SWAGGER_UI_DIR, cacheControl: false, headers: { 'Cache-Control': PRIVATE } },
      (error) => {
        if (error && !response.headersSent)
          response.status(404).json({
            error: { code: 'asset-not-found', message: `No asset '${file}'; open /docs.` },
          });
      },
    );
  }
}
