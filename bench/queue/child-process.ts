// The parent's side of queue-child.ts: fork (same tsx loader and conditions as the bench), wait
// until it is connected, start it, stop it — and stop it in the bench's cleanup if anything fails.
import { join } from 'node:path';
import { forkBenchChild } from '../api/common';
import type { ChildRole, ProducerDone } from './queue-child';

export interface QueueChild {
  readonly pid: number;
  /** Tells it to start producing or consuming. */
  run(): void;
  /** Resolves with the producer's report (never, for a consumer). */
  readonly done: Promise<ProducerDone>;
  stop(): Promise<void>;
}

export async function startQueueChild(role: ChildRole): Promise<QueueChild> {
  const { child, exited, stop } = forkBenchChild(
    join(__dirname, 'queue-child.ts'),
    [JSON.stringify(role)],
    `queue ${role.role}`,
    10_000,
  );
  const gone = exited.then(() => {
    throw new Error(`queue ${role.role} exited (code ${child.exitCode})`);
  });
  gone.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    new Promise<void>((resolve) => child.once('message', () => resolve())),
    gone,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`queue ${role.role} not ready in 30 s`)), 30_000);
    }),
  ]).finally(() => clearTimeout(timer));
  const done = Promise.race([
    new Promise<ProducerDone>((resolve) =>
      child.on('message', (message) => {
        if (typeof message === 'object' && message && 'done' in message)
          resolve((message as { done: ProducerDone }).done);
      }),
    ),
    gone,
  ]);
  done.catch(() => undefined);
  return {
    pid: child.pid!,
    run: () => child.send('run'),
    done,
    stop,
  };
}
