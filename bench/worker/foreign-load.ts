// How much of the machine other processes used while we measured. On a shared 2-core machine a
// test suite running beside the bench halves its figures; the bench measures each run's
// "foreign" CPU from /proc (all CPU time minus the bench's and the worker's own) and repeats runs
// that others disturbed. Linux only; elsewhere every run counts as undisturbed.
import { readFileSync } from 'node:fs';

interface Snapshot {
  /** Busy and total jiffies over all CPUs (/proc/stat). */
  readonly busy: number;
  readonly total: number;
  /** Jiffies our processes used (utime + stime of each, threads included). */
  readonly ours: number;
}

function readJiffies(pids: readonly number[]): Snapshot | undefined {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1);
    const [user, nice, system, idle, iowait, irq, softirq, steal] = cpu.map(Number);
    const busy = user + nice + system + irq + softirq + (steal || 0);
    let ours = 0;
    for (const pid of pids) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        // Fields after the command name (which may hold spaces): state is field 3, utime 14.
        const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ours += Number(rest[11]) + Number(rest[12]);
      } catch {
        // The process has gone: it used nothing more.
      }
    }
    return { busy, total: busy + idle + iowait, ours };
  } catch {
    return undefined;
  }
}

export class ForeignLoad {
  constructor(private readonly pids: () => readonly number[]) {}

  /** Starts a measurement; the returned function gives the foreign share of the machine since. */
  start(): () => number {
    const a = readJiffies(this.pids());
    return () => {
      const b = readJiffies(this.pids());
      if (!a || !b || b.total <= a.total) return 0;
      return Math.max(0, b.busy - a.busy - (b.ours - a.ours)) / (b.total - a.total);
    };
  }

  /**
   * Waits (1 s samples) until others use less than `threshold` of the machine, at most
   * `maxWaitMs`; returns the last sample.
   */
  async quiet(threshold: number, maxWaitMs: number): Promise<number> {
    const deadline = Date.now() + maxWaitMs;
    for (;;) {
      const stop = this.start();
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const share = stop();
      if (share < threshold || Date.now() >= deadline) return share;
    }
  }
}
