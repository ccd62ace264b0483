// Shared pieces of the API benches: s3rver in a child process, the built apps as child
// processes, cleanup that runs on failure, Ctrl-C and a watchdog, /proc readings, provenance.
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_NAMES } from '@tinysaver/contracts';
import { createS3Client } from '@tinysaver/storage';
import { S3RVER_CREDENTIALS } from '@tinysaver/storage/testing';
import type { S3Client } from '@aws-sdk/client-s3';

export const ROOT = join(__dirname, '..', '..');
export const RESULTS = join(ROOT, 'bench', 'results');
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const API_MAIN = join(ROOT, 'apps', 'api', 'dist', 'main.js');
export const WORKER_MAIN = join(ROOT, 'apps', 'worker', 'dist', 'main.js');
export const WORKER_DIST = join(ROOT, 'apps', 'worker', 'dist');

export interface Stats {
  runs: number;
  min: number;
  median: number;
  max: number;
}

export function stats(values: readonly number[]): Stats {
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return {
    runs: v.length,
    min: v[0],
    median: v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2,
    max: v[v.length - 1],
  };
}

/** The p-th percentile (0–100) of ascending values, nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export const f0 = (n: number) => Math.round(n).toLocaleString('en-US');
export const f1 = (n: number) => n.toFixed(1);
export const f2 = (n: number) => n.toFixed(2);
export const pct = (n: number) => `${(n * 100).toFixed(0)} %`;

// ---------------------------------------------------------------- cleanup and watchdog

const cleanups: { name: string; run: () => Promise<unknown> }[] = [];

/** Registers a cleanup; the latest registered runs first. Returns an unregister function. */
export function onCleanup(name: string, run: () => Promise<unknown>): () => void {
  const entry = { name, run };
  cleanups.push(entry);
  return () => {
    const i = cleanups.indexOf(entry);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

/** Runs every registered cleanup (newest first), each at most 30 s, never throwing. */
export async function cleanUp(): Promise<void> {
  while (cleanups.length) {
    const { name, run } = cleanups.pop()!;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        run(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out after 30 s')), 30_000);
        }),
      ]);
    } catch (error) {
      console.error(`cleanup '${name}' failed: ${(error as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Runs `main`, then the cleanups, whatever happens: an error, SIGINT/SIGTERM, or the watchdog
 * (`limitMs`), so the bench always stops by itself and leaves no process or queue behind.
 */
export function runBench(name: string, limitMs: number, main: () => Promise<number>): void {
  let finished = false;
  const finish = async (code: number) => {
    if (finished) return;
    finished = true;
    clearTimeout(watchdog);
    await cleanUp();
    process.exit(code);
  };
  const watchdog = setTimeout(() => {
    console.error(`${name}: still running after ${limitMs / 1000} s; stopping.`);
    void finish(1);
  }, limitMs);
  // A stray rejection (a poll loop whose connection a cleanup closed) must not cut cleanup short.
  process.on('unhandledRejection', (reason) => {
    console.error(`${name}: unhandled rejection: ${String(reason)}`);
    if (!finished) void finish(1);
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      console.error(`${name}: ${signal}, cleaning up …`);
      void finish(130);
    });
  main().then(
    (code) => finish(code),
    (error: unknown) => {
      console.error(error);
      return finish(1);
    },
  );
}

// ---------------------------------------------------------------- s3rver in a child process

export interface S3Process {
  readonly endpoint: string;
  readonly bucket: string;
  readonly pid: number;
  readonly client: S3Client;
  stop(): Promise<void>;
}

/** A bench helper process, forked with this process's tsx loader and conditions and an IPC channel. */
export interface BenchChild {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  /** Sends 'stop' (SIGTERM without IPC), SIGKILL after `graceMs`; drops the cleanup entry. */
  readonly stop: () => Promise<void>;
}

/** Forks `entry`; the bench's cleanup stops it too if anything fails before stop() is called. */
export function forkBenchChild(
  entry: string,
  args: readonly string[],
  name: string,
  graceMs: number,
): BenchChild {
  const child = fork(entry, [...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (running()) {
      if (child.connected) child.send('stop');
      else child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, graceMs))]);
      if (running()) child.kill('SIGKILL');
    }
    await exited;
  };
  const unregister = onCleanup(name, stop);
  return {
    child,
    exited,
    async stop() {
      unregister();
      await stop();
    },
  };
}

/** Forks bench/api/s3rver-child.ts. */
export async function startS3Process(): Promise<S3Process> {
  const { child, exited, stop } = forkBenchChild(
    join(__dirname, 's3rver-child.ts'),
    [],
    's3rver',
    20_000,
  );
  const { endpoint, bucket } = await new Promise<{ endpoint: string; bucket: string }>(
    (resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('s3rver did not start in 30 s')), 30_000);
      child.once('message', (message) => {
        clearTimeout(timer);
        resolve(message as { endpoint: string; bucket: string });
      });
      void exited.then(() => reject(new Error('s3rver exited at start')));
    },
  );
  const client = createS3Client({ endpoint, region: 'us-east-1', credentials: S3RVER_CREDENTIALS });
  return {
    endpoint,
    bucket,
    pid: child.pid!,
    client,
    async stop() {
      client.destroy();
      await stop();
    },
  };
}

// ---------------------------------------------------------------- Redis

/** Obliterates every farm queue under `prefix`, then deletes whatever else lives under it. */
export async function dropPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  try {
    for (const name of QUEUE_NAMES) {
      const queue = new Queue(name, { connection: redis, prefix });
      await queue.obliterate({ force: true }).catch(() => undefined);
      await queue.close();
    }
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** The pid of the Redis server we talk to (INFO server), for CPU accounting; undefined if remote. */
export async function redisPid(redis: Redis): Promise<number | undefined> {
  const info = await redis.info('server');
  const pid = Number(/process_id:(\d+)/.exec(info)?.[1]);
  return Number.isFinite(pid) && existsSync(`/proc/${pid}/stat`) ? pid : undefined;
}

// ---------------------------------------------------------------- /proc

const CLK_TCK = 100;

/** CPU ms a process used so far (all threads), from /proc; undefined once it is gone. */
export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** CPU ms so far and command line of every process on the machine (from /proc). */
function allProcessesCpuMs(): Map<number, { ms: number; command: string }> {
  const out = new Map<number, { ms: number; command: string }>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return out;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    const ms = processCpuMs(pid);
    if (ms === undefined) continue;
    let command = '';
    try {
      command = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .replace(/\0/g, ' ')
        .trim()
        .slice(0, 120);
    } catch {
      // gone
    }
    out.set(pid, { ms, command });
  }
  return out;
}

/** Busy and total CPU ms of the whole machine (all cores), from /proc/stat. */
export function machineCpuMs(): { busy: number; total: number } {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = cpu.map(Number);
  const busy = user + nice + system + irq + softirq + (steal || 0);
  return { busy: (busy * 1000) / CLK_TCK, total: ((busy + idle + iowait) * 1000) / CLK_TCK };
}

/** Peak resident set (VmHWM) of a live process in MiB, from /proc. */
export function peakRssMiB(pid: number): number | undefined {
  try {
    const kb = Number(/VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Current resident set (VmRSS) of a live process in MiB, from /proc. */
export function rssMiB(pid: number): number | undefined {
  try {
    const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU use of named processes and of the whole machine over a window: start() then stop() gives
 * cores used per process, the machine's busy cores, and what others (not listed) used.
 */
export function cpuWindow(pids: Record<string, number | undefined>) {
  const at = () => ({
    wall: performance.now(),
    machine: machineCpuMs(),
    procs: Object.fromEntries(
      Object.entries(pids).map(([name, pid]) => [name, pid ? processCpuMs(pid) : undefined]),
    ),
    all: allProcessesCpuMs(),
  });
  const a = at();
  return () => {
    const b = at();
    const ourPids = new Set(Object.values(pids).filter((p): p is number => p !== undefined));
    const foreign = [...b.all.entries()]
      .filter(([pid]) => !ourPids.has(pid) && pid !== process.ppid)
      .map(([pid, { ms, command }]) => ({ pid, command, ms: ms - (a.all.get(pid)?.ms ?? 0) }))
      .filter((p) => p.ms > 0)
      .sort((x, y) => y.ms - x.ms)
      .slice(0, 3);
    const wall = b.wall - a.wall;
    const cores: Record<string, number> = {};
    let ours = 0;
    for (const name of Object.keys(pids)) {
      const x = a.procs[name];
      const y = b.procs[name];
      if (x === undefined || y === undefined) continue;
      cores[name] = (y - x) / wall;
      ours += y - x;
    }
    const busy = b.machine.busy - a.machine.busy;
    const total = b.machine.total - a.machine.total;
    const ncores = availableParallelism();
    return {
      wallMs: wall,
      /** Cores each process kept busy on average (1 = one core all the time). */
      cores,
      /** Busy share of the whole machine (0 … 1). */
      machineBusy: total > 0 ? busy / total : 0,
      /** Cores used by processes not listed (other sessions, the kernel). */
      othersCores: total > 0 ? Math.max(0, (busy - ours) / (total / ncores)) : 0,
      /** The busiest of those others (cores each), for the record. */
      topOthers: foreign.map((p) => ({
        pid: p.pid,
        command: p.command,
        cores: p.ms / wall,
      })),
    };
  };
}

// ---------------------------------------------------------------- provenance

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, {
      encoding: 'utf8',
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return '';
  }
}

export function version(pkg: string): string {
  try {
    return (
      JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return 'unknown';
  }
}

export function provenance() {
  const cpuModel =
    /^Model name:\s*(.+)$/m.exec(sh('lscpu', []))?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown';
  const built = (path: string) => (existsSync(path) ? statSync(path).mtime.toISOString() : null);
  return {
    date: new Date().toISOString(),
    gitSha: sh('git', ['rev-parse', '--short', 'HEAD']) || 'unknown',
    gitDirty: sh('git', ['status', '--porcelain']) !== '',
    node: process.version,
    cpu: cpuModel,
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    bullmq: version('bullmq'),
    redis: undefined as string | undefined,
    apiBuiltAt: built(API_MAIN),
    workerBuiltAt: built(WORKER_MAIN),
  };
}

export async function redisVersion(redis: Redis): Promise<string> {
  return /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? 'unknown';
}

export function requireBuilt(): string | undefined {
  for (const main of [API_MAIN, WORKER_MAIN])
    if (!existsSync(main))
      return `${main} is missing: build first (npx nx run-many -t build -p api worker --outputStyle=static).`;
  return undefined;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
