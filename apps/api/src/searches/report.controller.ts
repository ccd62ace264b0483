import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import { REPORT_CONTENT_SECURITY_POLICY } from '@tinysaver/report';
import type { Response } from 'express';
import type { TenantRequest } from '../auth/api-key.guard';
import { ZodPipe } from '../common/zod-body';
import { NAME } from '../models/model-request';
import { ReportService } from './report.service';

const SEARCH_ID = new ZodPipe(NAME, 'search id');

/** The page's own policy (no network), and no framing: a meta policy cannot say that. */
const POLICY = `${REPORT_CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`;

@Controller('v1/searches')
export class ReportController {
  constructor(private readonly reports: ReportService) {}

  /**
   * A completed search as one self-contained HTML page. Headers are set once the page exists,
   * so a failure still goes out as the JSON error it is.
   */
  @Get(':id/report')
  async report(
    @Req() request: TenantRequest,
    @Param('id', SEARCH_ID) id: string,
    @Res({ passthrough: true }) response: Response,
  ): Promise<string> {
    const page = await this.reports.render(request.tenant, id);
    response.setHeader('Content-Type', 'text/html; charset=utf-8');
    response.setHeader('Content-Security-Policy', POLICY);
    response.setHeader('Cache-Control', 'private, no-cache');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    return page;
  }
}
