// A producer or a consumer of trivial jobs in a process of its own (forked by child-process.ts),
// so that producing, consuming and timing never share one event loop. Protocol over IPC:
// child → 'ready' once connected; parent → 'run'; child → { done } (producer) or nothing
// (consumer, the parent reads BullMQ's stamps); parent → 'stop'; child closes and exits. Exits
// by itself when the parent goes away, so it never outlives the bench.
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { enqueueTrivial, TRIVIAL_QUEUE, type EnqueueMode } from './trivial-jobs';

export type ChildRole =
  | { role: 'consumer'; redisUrl: string; prefix: string; concurrency: number }
  | { role: 'producer'; redisUrl: string; prefix: string; jobs: number; mode: EnqueueMode };

export interface ProducerDone {
  readonly startedAt: number;
  readonly endedAt: number;
  /** Jobs still waiting when the producer finished: how far the consumer was behind. */
  readonly waitingAtEnd: number;
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2]) as ChildRole;
  const connection = new Redis(spec.redisUrl, { maxRetriesPerRequest: null });
  let close: () => Promise<void>;
  let run: () => Promise<void>;
  if (spec.role === 'consumer') {
    // Returns at once: everything measured is BullMQ's own work per job.
    const worker = new Worker(TRIVIAL_QUEUE, () => Promise.resolve(0), {
      connection,
      prefix: spec.prefix,
      concurrency: spec.concurrency,
      autorun: false,
    });
    worker.on('error', (error) => console.error(`consumer: ${error.message}`));
    await worker.waitUntilReady();
    run = () => {
      void worker.run();
      return Promise.resolve();
    };
    close = () => worker.close();
  } else {
    const queue = new Queue(TRIVIAL_QUEUE, { connection, prefix: spec.prefix });
    await queue.waitUntilReady();
    run = async () => {
      const startedAt = Date.now();
      await enqueueTrivial(queue, spec.jobs, spec.mode);
      const endedAt = Date.now();
      const done: ProducerDone = {
        startedAt,
        endedAt,
        waitingAtEnd: await queue.getWaitingCount(),
      };
      process.send!({ done });
    };
    close = () => queue.close();
  }
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await close().catch(() => undefined);
    connection.disconnect();
    process.exit(0);
  };
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.on('message', (message) => {
    if (message === 'run')
      run().catch((error: unknown) => {
        console.error(error);
        process.exit(1);
      });
    if (message === 'stop') void stop();
  });
  process.send!('ready');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
