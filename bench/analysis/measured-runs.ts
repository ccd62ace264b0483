// Timed runs on a shared 2-core machine: before each batch wait for others to go quiet, measure
// what share of the machine others used during it (bench/worker/foreign-load.ts), and repeat a
// disturbed batch — at most MAX_ATTEMPTS tries, the least disturbed kept.
import { ForeignLoad } from '../worker/foreign-load';

export interface Stats {
  runs: number;
  minMs: number;
  medianMs: number;
  maxMs: number;
}

export function stats(ms: readonly number[]): Stats {
  const sorted = [...ms].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return {
    runs: sorted.length,
    minMs: sorted[0],
    medianMs: sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2,
    maxMs: sorted[sorted.length - 1],
  };
}

export interface Batch {
  ms: number[];
  /** Share of the whole machine (0 … 1; 0.5 = one of two cores) others used during the batch. */
  foreign: number;
  attempts: number;
}

export interface MeasureOptions {
  /** A batch during which others used more than this share is repeated. @defaultValue 0.1 */
  maxForeign: number;
  /** Tries per batch. @defaultValue 3 */
  maxAttempts: number;
  /** Longest wait for quiet before one batch. @defaultValue 30 s */
  quietWaitMs: number;
  /** Longest wait for quiet over the whole bench, so a busy machine cannot stall it. @defaultValue 90 s */
  quietBudgetMs: number;
  /**
   * Longest time spent re-running disturbed batches over the whole bench: a repeat happens only
   * while the batch's own duration still fits, so slow batches on a busy machine are kept as they
   * are (and show what others used) rather than run three times. @defaultValue 120 s
   */
  repeatBudgetMs: number;
}

export class MeasuredRuns {
  private readonly load: ForeignLoad;
  /** Time spent waiting for quiet so far. */
  waitedMs = 0;
  /** Time spent in batches that were then repeated. */
  repeatedMs = 0;
  /** Batches that had to be repeated, with what others used. */
  readonly repeats: { label: string; foreign: number }[] = [];

  constructor(
    pids: () => readonly number[],
    private readonly options: MeasureOptions,
  ) {
    this.load = new ForeignLoad(pids);
  }

  /** Runs `once` (which returns its own timings in ms) as one measured batch. */
  async batch(label: string, once: () => Promise<number[]> | number[]): Promise<Batch> {
    const { maxForeign, maxAttempts, quietWaitMs, quietBudgetMs, repeatBudgetMs } = this.options;
    let best: Batch | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const waitStarted = Date.now();
      const budget = Math.max(0, quietBudgetMs - this.waitedMs);
      if (budget > 0) await this.load.quiet(maxForeign, Math.min(quietWaitMs, budget));
      this.waitedMs += Date.now() - waitStarted;
      const stop = this.load.start();
      const started = performance.now();
      const ms = await once();
      const foreign = stop();
      const tookMs = performance.now() - started;
      if (!best || foreign < best.foreign) best = { ms, foreign, attempts: attempt };
      if (foreign <= maxForeign || attempt === maxAttempts) break;
      if (this.repeatedMs + tookMs > repeatBudgetMs) {
        console.log(
          `  ${label}: others used ${(foreign * 100).toFixed(0)} % of the machine; kept (no time left to repeat)`,
        );
        break;
      }
      this.repeatedMs += tookMs;
      this.repeats.push({ label, foreign });
      console.log(`  ${label}: others used ${(foreign * 100).toFixed(0)} % of the machine; again`);
    }
    return best!;
  }
}

/** Times a synchronous function: `warmups` untimed calls (JIT tiers), then `runs` calls. */
export function timeSync(runs: number, fn: () => unknown, warmups = 1): number[] {
  for (let w = 0; w < warmups; w++) fn();
  const ms: number[] = [];
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    fn();
    ms.push(performance.now() - start);
  }
  return ms;
}
