// Drives threshold_loop.py: one long-lived /usr/bin/python3 (Debian's python3-numpy) per thread
// setting, requests and answers as JSON lines. Long-lived so numpy is imported and the records
// loaded once, and so its CPU time stays visible in /proc/<pid> while a timed run is measured
// (a finished child's time moves to our cutime, which ForeignLoad does not count as ours).
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { PairSummary } from './pair-analysis';
import type { SplitName } from './zoo-export';

export const PYTHON = '/usr/bin/python3';
const SCRIPT = join(__dirname, 'threshold_loop.py');

/** One split's table from the numpy loop (threshold_loop.py `sweep`). */
export interface NumpyTable {
  n: number;
  baseCorrect: number;
  exits: number[];
  correct: number[];
  exitSaverCorrect: number[];
  exitBaseCorrect: number[];
  accuracy: number[];
  relativeCost: number[];
  deltaC: number[];
}

/** What threshold_loop.py's `analyse_pair` gives for one pair. */
export interface NumpyPairOutputs {
  tables: Record<SplitName, NumpyTable>;
  procedureA: { match: number; matchSafe: number; stopped: boolean };
  budgets: { drop: number; k: number; oracleK: number }[];
  frontier: Record<SplitName, number[]>;
}

export interface NumpyPairResult extends NumpyPairOutputs {
  /** The research code's own thresholds (np.arange, float32 comparison) on the selection split. */
  researchLiteral: { exits: number[]; matchK: number; matchDeltaC: number };
  /** The same outputs from the lean loop body (timed as a variant). */
  lean: NumpyPairOutputs;
  /** The same outputs from libs/cascade's algorithm written in numpy (histogram by grid level). */
  histogram: NumpyPairOutputs;
}

export type LoopVariant = 'brief' | 'lean' | 'histogram' | 'literal';

/** Pins every thread pool numpy might use to one thread (the loop itself uses none). */
export const SINGLE_THREAD_ENV = {
  OMP_NUM_THREADS: '1',
  OPENBLAS_NUM_THREADS: '1',
  MKL_NUM_THREADS: '1',
};

export class NumpyLoop {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly answers: string[] = [];
  private waiting: ((line: string) => void) | undefined;
  private exited: string | undefined;

  constructor(exportDir: string, env: NodeJS.ProcessEnv) {
    this.child = spawn(PYTHON, ['-u', SCRIPT, exportDir], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.pipe(process.stderr);
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      if (this.waiting) {
        const resolve = this.waiting;
        this.waiting = undefined;
        resolve(line);
      } else this.answers.push(line);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = `threshold_loop.py exited (${signal ?? code}) before answering`;
      this.waiting?.(JSON.stringify({ error: this.exited }));
    });
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  async request<T>(body: Record<string, unknown>): Promise<T> {
    if (this.exited) throw new Error(this.exited);
    const line = new Promise<string>((resolve) => {
      const ready = this.answers.shift();
      if (ready !== undefined) resolve(ready);
      else this.waiting = resolve;
    });
    this.child.stdin.write(JSON.stringify(body) + '\n');
    const answer = JSON.parse(await line) as T & { error?: string };
    if (answer.error) throw new Error(`threshold_loop.py (${String(body.cmd)}): ${answer.error}`);
    return answer;
  }

  hello() {
    return this.request<{
      python: string;
      numpy: string;
      threadEnv: Record<string, string | null>;
    }>({ cmd: 'hello' });
  }

  load() {
    return this.request<{ prepareMs: number[] }>({ cmd: 'load' });
  }

  analyse(saver: number, base: number) {
    return this.request<NumpyPairResult>({ cmd: 'analyse', saver, base });
  }

  time(variant: LoopVariant, saver: number, base: number, repeats: number) {
    return this.request<{ ms: number[] }>({ cmd: 'time', variant, saver, base, repeats });
  }

  timePairs(pairs: [number, number][]) {
    return this.request<{ ms: number; summaries: PairSummary[] }>({ cmd: 'timePairs', pairs });
  }

  /** np.searchsorted grid levels of one (model, split): the histogram variant's preparation. */
  timeLevels(split: SplitName, model: number, repeats: number) {
    return this.request<{ ms: number[] }>({ cmd: 'timeLevels', split, model, repeats });
  }

  timePrepare(split: SplitName, model: number, repeats: number) {
    return this.request<{ ms: number[] }>({ cmd: 'timePrepare', split, model, repeats });
  }

  close(): void {
    this.child.stdin.end();
  }
}
