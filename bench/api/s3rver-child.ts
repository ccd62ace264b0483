// s3rver in a process of its own (forked by bench/api/common.ts): the benches measure the API,
// the worker and aggregateSearch, so serving 140 MB of records must not run on their event loops
// (in production S3 is another machine). Sends { endpoint, bucket } once listening; stops on
// 'stop', SIGTERM, or when the parent goes away (its IPC channel closes), so it never outlives
// the bench.
import { startS3rver } from '@tinysaver/storage/testing';

async function main(): Promise<void> {
  const s3 = await startS3rver();
  const bucket = await s3.createBucket();
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // The harness deletes one page (1,000) of objects and then the bucket; with more the bucket
    // delete fails, but the server is still closed and its directory removed.
    await s3.stop().catch(() => undefined);
    process.exit(0);
  };
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  process.on('message', (message) => {
    if (message === 'stop') void stop();
  });
  process.send!({ endpoint: s3.endpoint, bucket });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
