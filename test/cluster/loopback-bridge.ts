// How the test, in the machine's own namespace, reaches services on a test host without giving
// the machine an address on the test network: a TCP listener on the machine's loopback pipes
// each connection into a Unix socket (files cross namespaces, packets do not), and a process
// inside the host pipes that socket to the same port on the host's loopback. The port numbers
// agree on both sides, so URLs the host's API hands out (presigned uploads) work here too.
import { rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';

const socketPath = (dir: string, port: number) => join(dir, `${port}.sock`);

function pipe(a: Socket, b: Socket): void {
  a.pipe(b);
  b.pipe(a);
  const end = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', end).on('close', end);
  b.on('error', end).on('close', end);
}

function listening(server: Server): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => resolve(server));
  });
}

/** Inside the host: `<dir>/<port>.sock` → 127.0.0.1:<port>, for each port. */
export async function serveSocketsToLoopback(dir: string, ports: readonly number[]) {
  return Promise.all(
    ports.map(async (port) => {
      await rm(socketPath(dir, port), { force: true });
      const server = createServer((socket) => pipe(socket, connect(port, '127.0.0.1')));
      return listening(server.listen(socketPath(dir, port)));
    }),
  );
}

/** Here: 127.0.0.1:<port> → `<dir>/<port>.sock`. Close the returned server to stop. */
export function bridgeFromLoopback(dir: string, port: number): Promise<Server> {
  const server = createServer((socket) => pipe(socket, connect(socketPath(dir, port))));
  return listening(server.listen(port, '127.0.0.1'));
}
