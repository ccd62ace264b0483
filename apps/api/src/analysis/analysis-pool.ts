import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { ApiError } from '../common/api-error';
import { ApiConfigToken } from '../config/api-config.provider';
import type { ApiConfig } from '../config/api-config';
import type { AnalysisReply, AnalysisRequest, AnalysisThreadData } from './analysis-protocol';

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The compiled thread. Tests run the API from its TypeScript sources, where no .js sits beside
 * this file; the build (which `nx test api` runs first) puts one in dist/.
 */
function threadEntry(): string {
  const beside = join(__dirname, 'analysis-thread.js');
  return existsSync(beside)
    ? beside
    : join(__dirname, '..', '..', 'dist', 'analysis', 'analysis-thread.js');
}

/**
 * One analysis thread answering curve, what-if and point queries from records, so the HTTP
 * event loop never sorts 50,000 confidences. A thread that dies fails what it held and is
 * replaced on the next request.
 */
@Injectable()
export class AnalysisPool implements OnModuleInit, OnApplicationShutdown {
  private thread: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private closing = false;
  private readonly log = new Logger('analysis');

  constructor(@Inject(ApiConfigToken) private readonly config: ApiConfig) {}

  onModuleInit(): void {
    this.start();
  }

  ask<T>(request: AnalysisRequest): Promise<T> {
    const thread = this.thread ?? this.start();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      thread.postMessage({ id, request });
    });
  }

  async onApplicationShutdown(): Promise<void> {
    this.closing = true;
    await this.thread?.terminate();
  }

  private start(): Worker {
    const data: AnalysisThreadData = { s3: this.config.s3, cachedPairs: 32 };
    // The thread reads S3 credentials from the environment (the SDK's default chain); hand it
    // this context's, which under a test runner is not the process's own.
    const thread = new Worker(threadEntry(), { workerData: data, env: process.env });
    thread.on('message', (reply: AnalysisReply) => {
      const pending = this.pending.get(reply.id);
      if (!pending) return;
      this.pending.delete(reply.id);
      if (reply.ok) pending.resolve(reply.value);
      else pending.reject(new ApiError(reply.status, reply.code, reply.message));
    });
    thread.on('error', (error) => this.log.error(`analysis thread failed: ${error.message}`));
    thread.on('exit', () => {
      if (this.thread === thread) this.thread = undefined;
      for (const [id, pending] of this.pending) {
        this.pending.delete(id);
        pending.reject(
          new ApiError(500, 'internal', 'The analysis thread stopped; try the request again.'),
        );
      }
      if (!this.closing) this.log.warn('analysis thread exited; a new one starts on demand');
    });
    thread.unref();
    this.thread = thread;
    return thread;
  }
}
