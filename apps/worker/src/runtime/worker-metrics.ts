import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { QueueName } from '@tinysaver/contracts';
import type { WorkerConfig } from '../config/worker-config';

/** How one attempt ended: `waiting` is a step job (a search) going back to delayed until its next look. */
export type AttemptOutcome = 'completed' | 'failed' | 'waiting';

const PREFIX = 'tinysaver_worker_';

/**
 * This process's view, scraped per pod (`/metrics` on WORKER_HTTP_PORT): attempts and their run
 * time by queue, jobs in hand, draining, and the process metrics. Queue depths are the API's
 * (`tinysaver_queue_jobs`), read from Redis once for the whole farm.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly attempts: Counter<'queue' | 'outcome'>;
  private readonly duration: Histogram<'queue'>;
  private readonly inHand: Gauge<'queue'>;
  private readonly draining: Gauge;

  constructor(config: Pick<WorkerConfig, 'queues' | 'executionProviders' | 'computeThreads'>) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    new Gauge({
      name: `${PREFIX}info`,
      help: 'Always 1; the labels say what this worker consumes and which providers it tries.',
      labelNames: ['queues', 'execution_providers', 'compute_threads'],
      registers,
    }).set(
      {
        queues: config.queues.join(','),
        execution_providers: config.executionProviders.join(','),
        compute_threads: String(config.computeThreads),
      },
      1,
    );
    this.attempts = new Counter({
      name: `${PREFIX}job_attempts_total`,
      help: 'Job attempts this worker ran, by how they ended.',
      labelNames: ['queue', 'outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: `${PREFIX}job_attempt_seconds`,
      help: 'Run time of the attempts this worker ran.',
      labelNames: ['queue'],
      buckets: [0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
      registers,
    });
    this.inHand = new Gauge({
      name: `${PREFIX}jobs_in_hand`,
      help: 'Jobs this worker is processing now.',
      labelNames: ['queue'],
      registers,
    });
    this.draining = new Gauge({
      name: `${PREFIX}draining`,
      help: '1 once SIGTERM was received: no new jobs are taken.',
      registers,
    });
    for (const queue of config.queues) {
      this.inHand.set({ queue }, 0);
      for (const outcome of ['completed', 'failed', 'waiting'] as const)
        this.attempts.inc({ queue, outcome }, 0);
    }
  }

  /** Call when an attempt starts; call what it returns when the attempt ends. */
  attemptStarted(queue: QueueName): (outcome: AttemptOutcome) => void {
    this.inHand.inc({ queue });
    const stopTimer = this.duration.startTimer({ queue });
    return (outcome) => {
      this.inHand.dec({ queue });
      stopTimer();
      this.attempts.inc({ queue, outcome });
    };
  }

  markDraining(): void {
    this.draining.set(1);
  }
}
