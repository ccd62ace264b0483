import { Module } from '@nestjs/common';
import { AdminKeyGuard } from './admin-auth';
import { QueueDashboard } from './queue-dashboard';

/** Operator-only surfaces: the admin-key check and the queue dashboard at /admin/queues. */
@Module({
  providers: [AdminKeyGuard, QueueDashboard],
  exports: [AdminKeyGuard, QueueDashboard],
})
export class AdminModule {}
