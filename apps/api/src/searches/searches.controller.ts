import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { SearchResultsDocument } from '@tinysaver/contracts';
import type { TenantRequest } from '../auth/api-key.guard';
import { ZodPipe } from '../common/zod-body';
import { NAME } from '../models/model-request';
import {
  CurveQuery,
  WhatIfQuerySchema,
  type CurveView,
  type WhatIfQueryParams,
  type WhatIfView,
} from './pair-queries';
import { SearchBody } from './search-request';
import type { SearchView } from './search-view';
import { SearchesService } from './searches.service';

const SEARCH_ID = new ZodPipe(NAME, 'search id');
const MODEL = new ZodPipe(NAME, 'model name');

@Controller('v1/searches')
export class SearchesController {
  constructor(private readonly searches: SearchesService) {}

  /** 202: the spec is stored and the search queued; poll GET /v1/searches/{id}. */
  @Post()
  @HttpCode(202)
  submit(
    @Req() request: TenantRequest,
    @Body(new ZodPipe(SearchBody)) body: SearchBody,
  ): Promise<SearchView> {
    return this.searches.submit(request.tenant, body);
  }

  @Get()
  async list(@Req() request: TenantRequest): Promise<{ searches: SearchView[] }> {
    return { searches: await this.searches.list(request.tenant) };
  }

  @Get(':id')
  get(@Req() request: TenantRequest, @Param('id', SEARCH_ID) id: string): Promise<SearchView> {
    return this.searches.get(request.tenant, id);
  }

  /** Cancels a queued or running search (409 once it has ended). */
  @Delete(':id')
  cancel(@Req() request: TenantRequest, @Param('id', SEARCH_ID) id: string): Promise<SearchView> {
    return this.searches.cancel(request.tenant, id);
  }

  @Get(':id/results')
  results(
    @Req() request: TenantRequest,
    @Param('id', SEARCH_ID) id: string,
  ): Promise<SearchResultsDocument> {
    return this.searches.resultsOf(request.tenant, id);
  }

  /** The pair's trade-off curve: the 1001-point grid, or with `exact=true` every distinct confidence. */
  @Get(':id/curves/:base/:saver')
  curve(
    @Req() request: TenantRequest,
    @Param('id', SEARCH_ID) id: string,
    @Param('base', MODEL) base: string,
    @Param('saver', MODEL) saver: string,
    @Query(new ZodPipe(CurveQuery, 'query')) query: CurveQuery,
  ): Promise<CurveView> {
    return this.searches.curve(request.tenant, id, base, saver, query);
  }

  /** Any threshold, or the threshold a budget picks: both splits' numbers at once. */
  @Get(':id/what-if/:base/:saver')
  whatIf(
    @Req() request: TenantRequest,
    @Param('id', SEARCH_ID) id: string,
    @Param('base', MODEL) base: string,
    @Param('saver', MODEL) saver: string,
    @Query(new ZodPipe(WhatIfQuerySchema, 'query')) query: WhatIfQueryParams,
  ): Promise<WhatIfView> {
    return this.searches.whatIf(request.tenant, id, base, saver, query);
  }
}
