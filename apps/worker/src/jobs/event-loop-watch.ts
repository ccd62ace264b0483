import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * Measures the longest event-loop stall while `work` runs: the job thread must stay free for
 * BullMQ's lock renewal, and this is the number that proves it.
 */
export async function withLoopDelay<T>(
  work: () => Promise<T>,
): Promise<{ value: T; maxDelayMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  try {
    const value = await work();
    return { value, maxDelayMs: histogram.max / 1e6 };
  } finally {
    histogram.disable();
  }
}
