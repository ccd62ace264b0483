// Entry of a compute thread: decodes images and runs onnxruntime, whose session.run is
// synchronous, so the job thread stays free to renew BullMQ locks. Tasks run one at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { JobFailureCode } from '@tinysaver/contracts';
import { JobFailure } from '../jobs/job-failure';
import type {
  ComputeTask,
  FromThread,
  ModelFile,
  ThreadSettings,
  ToThread,
} from './compute-protocol';
import { configureImageDecoding } from './image-tensor';
import { openSession } from './ort-session';
import { profileTask } from './profile-task';
import { runTask } from './run-task';
import { SessionCache } from './session-cache';

const settings = workerData as ThreadSettings;
const cancel = new Int32Array(settings.cancel);
const port = parentPort!;
const post = (message: FromThread) => port.postMessage(message);
const warn = (message: string) => post({ type: 'log', level: 'warn', message });

configureImageDecoding({ vipsThreads: settings.decodeThreads });
const sessions = new SessionCache(settings.sessionCacheBytes, (model: ModelFile) =>
  openSession(model, settings, warn),
);

async function execute(id: number, task: ComputeTask) {
  let lastProgress = 0;
  switch (task.kind) {
    case 'run':
      return runTask(
        task,
        (model) => sessions.get(model),
        (done) => {
          // At most ~10 progress messages a second: they only feed job.updateProgress.
          const now = Date.now();
          if (now - lastProgress < 100 && done < 1) return;
          lastProgress = now;
          post({ id, type: 'progress', done });
        },
        () => Atomics.load(cancel, 0) === 1,
      );
    case 'profile':
      return profileTask(task, (model) => sessions.get(model));
  }
}

let chain: Promise<void> = Promise.resolve();
port.on('message', ({ id, task }: ToThread) => {
  chain = chain.then(async () => {
    try {
      const result = await execute(id, task);
      const transfer =
        result && 'outputs' in result
          ? result.outputs.flatMap((o) => [o.topClasses.buffer, o.topProbs.buffer])
          : [];
      port.postMessage(
        { id, type: 'done', result } satisfies FromThread,
        transfer as ArrayBuffer[],
      );
    } catch (error) {
      const failure =
        error instanceof JobFailure
          ? { code: error.code, message: error.message, retryable: error.retryable }
          : {
              code: JobFailureCode.Internal,
              message: `compute thread: ${(error as Error)?.stack ?? String(error)}`,
              retryable: true,
            };
      post({ id, type: 'failed', failure });
    }
  });
});
