import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AdminModule } from './admin/admin.module';
import { DocsModule } from './docs/docs.module';
import { ApiKeyGuard } from './auth/api-key.guard';
import { WriteLimitGuard } from './auth/write-limit.guard';
import { redisProvider, RedisToken } from './queues/redis.provider';
import { ErrorFilter } from './common/error.filter';
import { DatasetsController } from './datasets/datasets.controller';
import { DatasetsService } from './datasets/datasets.service';
import type { ApiConfig } from './config/api-config';
import { ApiConfigToken } from './config/api-config.provider';
import { HealthController } from './health/health.controller';
import { MetricsModule } from './metrics/metrics.module';
import { ModelsController } from './models/models.controller';
import { ModelsService } from './models/models.service';
import { JobQueues } from './queues/job-queues';
import { DocumentStore } from './storage/document-store';
import { s3ClientProvider } from './storage/s3-client.provider';
import { SearchesController } from './searches/searches.controller';
import { SearchesService } from './searches/searches.service';
import { ReportController } from './searches/report.controller';
import { ReportService } from './searches/report.service';
import { reportAssetsProvider } from './searches/report-assets';
import { AnalysisPool } from './analysis/analysis-pool';
import { CascadeRunsController } from './cascade-runs/cascade-runs.controller';
import { CascadeRunsService } from './cascade-runs/cascade-runs.service';

/** The whole API, built around the one config object read in main (or given by a test). */
@Module({})
export class AppModule {
  static create(config: ApiConfig): DynamicModule {
    return {
      module: AppModule,
      // Global, exporting the config and the Redis connection, so feature modules inject them.
      global: true,
      exports: [ApiConfigToken, RedisToken],
      imports: [MetricsModule, AdminModule, DocsModule],
      controllers: [
        HealthController,
        ModelsController,
        DatasetsController,
        SearchesController,
        ReportController,
        CascadeRunsController,
      ],
      providers: [
        { provide: ApiConfigToken, useValue: config },
        s3ClientProvider,
        DocumentStore,
        JobQueues,
        ModelsService,
        DatasetsService,
        SearchesService,
        ReportService,
        reportAssetsProvider,
        AnalysisPool,
        CascadeRunsService,
        redisProvider,
        // In this order: the key names the tenant, the limiter counts the tenant's writes.
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_GUARD, useClass: WriteLimitGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
