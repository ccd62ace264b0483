// Runs one timed part (a limit pass, a farm job, a peer pass) when the machine is quiet, and
// repeats it when other processes disturbed it. Other agents run benchmarks and test suites on
// this 2-core machine: one of them beside a pass halves its figure. Each part is judged on its
// own, so a disturbed peer pass does not cost a repeat of the farm job before it.
import { ForeignLoad } from '../worker/foreign-load';
import type { BenchOptions } from './options';

export interface Measured<T> {
  readonly value: T;
  /** Share of the machine other processes used during the kept try (0 … 1). */
  readonly foreign: number;
  /** Tries made (1 = undisturbed at once). */
  readonly attempts: number;
}

export class QuietRuns {
  private readonly load: ForeignLoad;
  /** Spent waiting for quiet, and on tries that were disturbed and repeated. */
  waitedMs = 0;
  repeatedMs = 0;

  constructor(
    pids: () => readonly number[],
    private readonly options: BenchOptions,
  ) {
    this.load = new ForeignLoad(pids);
  }

  /**
   * Waits for quiet (within the budgets), runs `part`, and repeats it up to maxAttempts while
   * others used more than maxForeign of the machine; keeps the least disturbed try.
   * `ours(value)` is CPU of our own that /proc cannot attribute to a pid we know (the peer's
   * DataLoader workers, gone when the pass ends), as a share of the machine: not foreign.
   */
  async measure<T>(
    label: string,
    part: () => Promise<T>,
    ours: (value: T) => number = () => 0,
  ): Promise<Measured<T>> {
    const o = this.options;
    let best: { value: T; foreign: number } | undefined;
    let attempts = 0;
    for (let attempt = 1; attempt <= o.maxAttempts; attempt++) {
      attempts = attempt;
      const waitStarted = Date.now();
      const wait = Math.min(o.quietWaitMs, Math.max(0, o.quietBudgetMs - this.waitedMs));
      await this.load.quiet(o.maxForeign, wait);
      this.waitedMs += Date.now() - waitStarted;
      const started = Date.now();
      const stop = this.load.start();
      const value = await part();
      const foreign = Math.max(0, stop() - ours(value));
      if (!best || foreign < best.foreign) best = { value, foreign };
      if (foreign <= o.maxForeign) break;
      if (attempt === o.maxAttempts || this.repeatedMs >= o.repeatBudgetMs) {
        console.log(`  ${label}: others used ${pct(foreign)} of the machine; kept`);
        break;
      }
      this.repeatedMs += Date.now() - started;
      console.log(`  ${label}: others used ${pct(foreign)} of the machine; again`);
    }
    return { ...best!, attempts };
  }
}

const pct = (share: number) => `${(share * 100).toFixed(0)} %`;
