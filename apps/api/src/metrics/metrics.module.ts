import { Module } from '@nestjs/common';
import { HttpMetrics } from './http-metrics';
import { MetricsController } from './metrics.controller';
import { registryProvider } from './metrics-registry';
import { QueueMetrics } from './queue-metrics';

/** Prometheus metrics: HTTP (via HttpMetrics' middleware, mounted in createApp), queues, jobs, process. */
@Module({
  controllers: [MetricsController],
  providers: [registryProvider, HttpMetrics, QueueMetrics],
})
export class MetricsModule {}
