import { QUEUE_CHOICES, queueNamed, QueueName } from '@tinysaver/contracts';
import { z } from 'zod';

/** The queues GPU workers serve: what an autoscaler of inference workers asks about by default. */
const INFERENCE_QUEUES = [QueueName.Records, QueueName.Profile, QueueName.Cascade].join(',');

/** `GET /metrics/backlog?queues=records,profile,cascade` (job names or full queue names). */
export const BacklogQuery = z
  .object({
    queues: z
      .string()
      .default(INFERENCE_QUEUES)
      .transform((text, ctx) => {
        const queues = new Set<QueueName>();
        for (const given of text.split(',').map((q) => q.trim())) {
          const queue = queueNamed(given);
          if (queue) queues.add(queue);
          else
            ctx.addIssue({
              code: 'custom',
              message: `'${given}' is not a queue; use ${QUEUE_CHOICES}`,
            });
        }
        return [...queues];
      }),
  })
  .strict();
export type BacklogQuery = z.infer<typeof BacklogQuery>;

export interface QueueBacklog {
  readonly waiting: number;
  readonly prioritized: number;
  readonly active: number;
}

/**
 * What an autoscaler of workers reads: jobs that want a worker now. BullMQ keeps waiting jobs in
 * a list but prioritized ones in a sorted set, so a list length misses them; active jobs count
 * too, so a scale-in never takes the pods whose shards are in hand for idle ones.
 */
export interface BacklogView {
  readonly backlog: number;
  readonly queues: Readonly<Partial<Record<QueueName, QueueBacklog>>>;
}

export function backlogView(counts: ReadonlyMap<QueueName, QueueBacklog>): BacklogView {
  let backlog = 0;
  const queues: Partial<Record<QueueName, QueueBacklog>> = {};
  for (const [queue, count] of counts) {
    queues[queue] = count;
    backlog += count.waiting + count.prioritized + count.active;
  }
  return { backlog, queues };
}
