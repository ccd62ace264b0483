import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { QueueDashboard } from './admin/queue-dashboard';
import { AppModule } from './app.module';
import type { ApiConfig } from './config/api-config';
import { HttpMetrics } from './metrics/http-metrics';

/** Builds the Nest application (shared by main and the tests, so both run the same wiring). */
export async function createApp(config: ApiConfig): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.create(config), {
    logger: ['error', 'warn'],
    bodyParser: false,
  });
  // First of all, so every request is measured: refused by a guard, by the body parser, or 404.
  app.use(app.get(HttpMetrics).middleware());
  app.useBodyParser('json', { limit: config.bodyLimitBytes });
  // Plain Express (bull-board is no Nest controller); before init, so ahead of Nest's 404.
  app.get(QueueDashboard).mount(app);
  app.enableShutdownHooks();
  return app;
}
