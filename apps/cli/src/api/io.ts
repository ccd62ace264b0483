// Everything an API command touches outside itself, injectable so commands run in unit tests.
import { readFile, writeFile } from 'node:fs/promises';
import { FarmClient } from '@tinysaver/client';
import type { Connection, ConnectionEnv } from './connection';

/** The client's public calls (a test passes an object with the ones it needs). */
export type FarmApi = Pick<FarmClient, keyof FarmClient>;

export interface CliIo {
  readonly env: ConnectionEnv;
  /** One line (or block) to stdout: results, tables, the --json document. */
  out(text: string): void;
  /** One line to stderr: progress, hints, errors. */
  err(text: string): void;
  /** Whether stderr is a terminal: progress redraws one line there instead of printing lines. */
  readonly errIsTty: boolean;
  /** Raw stderr, for redrawing the progress line. */
  writeErr(chunk: string): void;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Between two polls of a wait. */
  readonly pollMs: number;
  /** Without a terminal, a progress line at least this often even when nothing changed. */
  readonly heartbeatMs: number;
  connect(connection: Connection): FarmApi;
  readFile(path: string): Promise<Uint8Array>;
  writeFile(path: string, data: string): Promise<void>;
}

export function processIo(): CliIo {
  return {
    env: process.env,
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    errIsTty: process.stderr.isTTY === true,
    writeErr: (chunk) => process.stderr.write(chunk),
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    pollMs: 1000,
    heartbeatMs: 15_000,
    connect: (connection) => new FarmClient(connection),
    readFile: (path) => readFile(path),
    writeFile: (path, data) => writeFile(path, data),
  };
}
