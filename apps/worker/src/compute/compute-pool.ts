import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { JobFailureCode } from '@tinysaver/contracts';
import { JobFailure } from '../jobs/job-failure';
import type { ComputeResult, ComputeTask, FromThread, ThreadSettings } from './compute-protocol';

interface Pending {
  readonly id: number;
  readonly task: ComputeTask;
  readonly resolve: (result: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly progress?: (done: number) => void;
}

interface Slot {
  worker: Worker;
  current: Pending | undefined;
}

/**
 * A fixed set of compute threads fed from one FIFO queue. A thread that dies (a native crash,
 * out of memory) fails its task as retryable and is replaced, so the job is redone elsewhere.
 */
export class ComputePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closing = false;

  constructor(
    private readonly settings: ThreadSettings,
    size: number,
    private readonly log: (level: 'warn' | 'info', message: string) => void,
    private readonly entry = join(__dirname, 'compute-thread.js'),
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  run<T extends ComputeTask>(
    task: T,
    progress?: (done: number) => void,
  ): Promise<ComputeResult<T>> {
    return new Promise((resolve, reject) => {
      this.queue.push({
        id: this.nextId++,
        task,
        resolve: resolve as (r: unknown) => void,
        reject,
        progress,
      });
      this.dispatch();
    });
  }

  /**
   * Stops the threads: queued tasks are refused, running ones stop at their next batch, then the
   * (idle) threads are terminated.
   */
  async close(): Promise<void> {
    this.closing = true;
    Atomics.store(new Int32Array(this.settings.cancel), 0, 1);
    for (const p of this.queue.splice(0)) p.reject(new Error('compute pool closed'));
    await Promise.all(this.slots.map((slot) => this.idle(slot)));
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
  }

  /** Resolves once the slot has no task (one batch at most), or after `limitMs` regardless. */
  private idle(slot: Slot, limitMs = 60_000): Promise<void> {
    const deadline = Date.now() + limitMs;
    return new Promise((resolve) => {
      const check = () =>
        slot.current && Date.now() < deadline ? setTimeout(check, 20) : resolve();
      check();
    });
  }

  private spawn(): Slot {
    const worker = new Worker(this.entry, { workerData: this.settings });
    const slot: Slot = { worker, current: undefined };
    worker.on('message', (message: FromThread) => this.receive(slot, message));
    worker.on('error', (error) => this.lost(slot, error));
    worker.on('exit', (code) => this.lost(slot, new Error(`exited with code ${code}`)));
    return slot;
  }

  private receive(slot: Slot, message: FromThread): void {
    if (message.type === 'log') return this.log(message.level, message.message);
    const current = slot.current;
    if (!current || current.id !== message.id) return;
    if (message.type === 'progress') return current.progress?.(message.done);
    slot.current = undefined;
    if (message.type === 'done') current.resolve(message.result);
    else {
      const { code, message: text, retryable } = message.failure;
      current.reject(new JobFailure(code, text, retryable));
    }
    this.dispatch();
  }

  private lost(slot: Slot, error: Error): void {
    const index = this.slots.indexOf(slot);
    if (index < 0) return;
    const current = slot.current;
    slot.current = undefined;
    if (this.closing) return;
    this.log('warn', `compute thread lost (${error.message}); starting a new one.`);
    this.slots[index] = this.spawn();
    current?.reject(
      new JobFailure(
        JobFailureCode.Internal,
        `compute thread died while working: ${error.message}`,
        true,
      ),
    );
    void slot.worker.terminate();
    this.dispatch();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.current) continue;
      const next = this.queue.shift()!;
      slot.current = next;
      slot.worker.postMessage({ id: next.id, task: next.task });
    }
  }
}
