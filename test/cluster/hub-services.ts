// Runs inside the hub host (`ip netns exec … tsx hub-services.ts <dir> <s3Port> <port>…`): an
// s3rver on every address of the host at <s3Port>, and the Unix-socket ends of the loopback
// bridges for <s3Port> and the other ports. Prints one JSON line when ready; stops on SIGTERM.
import { startS3rver } from '@tinysaver/storage/testing';
import { serveSocketsToLoopback } from './loopback-bridge';

async function main(): Promise<void> {
  const [dir, s3Port, ...others] = process.argv.slice(2);
  const port = Number(s3Port);
  const s3 = await startS3rver({ address: '0.0.0.0', port });
  // One name on every test farm: records name the shard object they came from, bucket included.
  const bucket = await s3.createBucket('farm-data');
  const bridges = await serveSocketsToLoopback(dir, [port, ...others.map(Number)]);
  const stop = () => {
    for (const bridge of bridges) bridge.close();
    void s3.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.stdout.write(`${JSON.stringify({ ready: true, bucket })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
