// Redis work per records job, on a private redis-server (the shared one serves other sessions, so
// its INFO commandstats would count their commands too). Two views:
// - INFO commandstats: every command Redis executed, including those run inside BullMQ's Lua
//   scripts (what Redis' CPU pays for);
// - MONITOR: each command as it arrives, with its keys, so calls can be told apart by queue
//   (records, aggregate, profile), client round trips from script internals, and each EVALSHA
//   named by BullMQ's script (its sha1), the commands it ran inside counted to it.
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Redis } from 'ioredis';

export type Tally = Record<string, number>;

export interface RedisMark {
  /** INFO commandstats calls per command, less what the bench itself sends (info, monitor). */
  readonly executed: Tally;
  /**
   * MONITOR: `<client|lua> <queue> <command or script>` → count, e.g. `client records
   * moveToFinished` (the EVALSHA) and `lua records moveToFinished` (the commands it ran).
   */
  readonly byQueue: Tally;
}

export interface RedisAccounting {
  mark(): Promise<RedisMark>;
  stop(): Promise<void>;
}

const QUEUE_OF: [RegExp, string][] = [
  [/:tinysaver-records:/, 'records'],
  [/:tinysaver:records-refs:/, 'records-refs'],
  [/:tinysaver-aggregate:|:tinysaver:cancelled:/, 'aggregate'],
  [/:tinysaver-profile:/, 'profile'],
  [/:tinysaver-cascade:/, 'cascade'],
];

function queueOf(args: readonly string[]): string {
  const text = args.join(' ');
  return QUEUE_OF.find(([pattern]) => pattern.test(text))?.[1] ?? 'other';
}

/** sha1 → name of every BullMQ script (ioredis' EVALSHA uses the sha1 of the script text). */
function bullmqScriptNames(): Map<string, string> {
  const scripts = createRequire(__filename)('bullmq/dist/cjs/scripts') as Record<
    string,
    { name: string; content: string }
  >;
  return new Map(
    Object.values(scripts).map((s) => [createHash('sha1').update(s.content).digest('hex'), s.name]),
  );
}

function parseCommandStats(info: string): Tally {
  const out: Tally = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    out[match[1]] = Number(match[2]);
  delete out.info;
  delete out.monitor;
  return out;
}

export async function startRedisAccounting(url: string): Promise<RedisAccounting> {
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  const watcher = new Redis(url, { maxRetriesPerRequest: null });
  const byQueue: Tally = {};
  const monitor = await watcher.monitor();
  // Past the private Redis' stop a reconnect attempt must not print an unhandled error.
  for (const client of [redis, watcher, monitor]) client.on('error', () => undefined);
  const scripts = bullmqScriptNames();
  // Redis runs a script's commands right after its EVALSHA, with nothing in between.
  let lastScript = 'other ?';
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    const command = args[0]?.toLowerCase() ?? '?';
    if (command === 'info') return; // the bench's own marks
    let key: string;
    if (source === 'lua') key = `lua ${lastScript}`;
    else if (command === 'evalsha') {
      lastScript = `${queueOf(args)} ${scripts.get(args[1]) ?? args[1].slice(0, 8)}`;
      key = `client ${lastScript}`;
    } else key = `client ${queueOf(args)} ${command}`;
    byQueue[key] = (byQueue[key] ?? 0) + 1;
  });
  return {
    async mark() {
      // MONITOR lines arrive after the command ran: let those in flight land first.
      await new Promise((resolve) => setTimeout(resolve, 200));
      return {
        executed: parseCommandStats(await redis.info('commandstats')),
        byQueue: { ...byQueue },
      };
    },
    stop() {
      monitor.disconnect();
      watcher.disconnect();
      redis.disconnect();
      return Promise.resolve();
    },
  };
}

export function diffTally(a: Tally, b: Tally): Tally {
  const out: Tally = {};
  for (const [key, value] of Object.entries(b)) {
    const d = value - (a[key] ?? 0);
    if (d) out[key] = d;
  }
  return out;
}

export const total = (tally: Tally) => Object.values(tally).reduce((s, n) => s + n, 0);
