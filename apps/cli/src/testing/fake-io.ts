// A CliIo for unit tests: captured stdout/stderr, a clock that sleeps instantly, a fake client.
import type { CliIo, FarmApi } from '../api/io';

export interface FakeIo extends CliIo {
  readonly stdout: string[];
  readonly stderr: string[];
  /** Raw stderr writes (the redrawn progress line). */
  readonly raw: string[];
  /** Files written through writeFile. */
  readonly files: Map<string, string>;
}

export function fakeIo(
  client: Partial<FarmApi>,
  options: {
    env?: CliIo['env'];
    tty?: boolean;
    files?: Record<string, Uint8Array>;
    heartbeatMs?: number;
  } = {},
): FakeIo {
  let clock = Date.parse('2025-01-01T00:00:00.000Z');
  const stdout: string[] = [];
  const stderr: string[] = [];
  const raw: string[] = [];
  const files = new Map<string, string>();
  return {
    env: options.env ?? { TINYSAVER_KEY: 'test-key' },
    stdout,
    stderr,
    raw,
    files,
    out: (text) => stdout.push(text),
    err: (text) => stderr.push(text),
    errIsTty: options.tty ?? false,
    writeErr: (chunk) => raw.push(chunk),
    now: () => clock,
    sleep: (ms) => {
      clock += ms;
      return Promise.resolve();
    },
    pollMs: 1000,
    heartbeatMs: options.heartbeatMs ?? 15_000,
    connect: () => client as FarmApi,
    readFile: (path) => {
      const bytes = options.files?.[path];
      if (bytes) return Promise.resolve(bytes);
      return Promise.reject(Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' }));
    },
    writeFile: (path, data) => {
      files.set(path, data);
      return Promise.resolve();
    },
  };
}

/** Answers `values` one after another, then keeps answering the last. */
export function sequence<T>(...values: T[]): () => Promise<T> {
  let i = 0;
  return () => Promise.resolve(values[Math.min(i++, values.length - 1)]);
}
