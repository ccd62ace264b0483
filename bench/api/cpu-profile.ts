// Reads a V8 .cpuprofile (from bench/api/event-loop-probe.cjs) into where the API's CPU went:
// self time by code origin (an npm package, the API's own dist, Node's internals, GC, idle) and
// the top functions by self time, plus inclusive time of a few frames of interest.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  /** Profile span and time in samples that were not idle (ms). */
  spanMs: number;
  busyMs: number;
  idleMs: number;
  /** Self time by origin, busiest first (ms and share of busy time). */
  byOrigin: { origin: string; ms: number; share: number }[];
  topFunctions: { fn: string; origin: string; ms: number; share: number }[];
  /** Inclusive (self + callees, synchronous stacks only) time of frames matching each name. */
  frames: { name: string; ms: number; share: number }[];
}

function origin(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native / V8)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (url.startsWith('node:')) {
    const parts = url.slice('node:'.length).split('/');
    return `node:${parts[0] === 'internal' && parts.length > 2 ? `internal/${parts[1]}` : parts.join('/')}`;
  }
  const app = /\/(apps|libs)\/([^/]+)\//.exec(url);
  if (app) return `${app[1]}/${app[2]}`;
  return url.replace(/^file:\/\//, '');
}

export function summarizeProfile(file: string, frameNames: readonly string[]): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  // timeDeltas[i] is the time before sample i; attribute each interval to the sample that ends it.
  for (let i = 0; i < samples.length; i++)
    self.set(samples[i], (self.get(samples[i]) ?? 0) + Math.max(0, deltas[i] ?? 0) / 1000);
  let idleMs = 0;
  let busyMs = 0;
  const byOrigin = new Map<string, number>();
  const byFunction = new Map<string, { origin: string; ms: number }>();
  for (const [id, ms] of self) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    busyMs += ms;
    const o = origin(url, functionName);
    byOrigin.set(o, (byOrigin.get(o) ?? 0) + ms);
    const key =
      `${functionName || '(anonymous)'} ${url ? `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : ''}`.trim();
    const entry = byFunction.get(key) ?? { origin: o, ms: 0 };
    entry.ms += ms;
    byFunction.set(key, entry);
  }
  // Inclusive time: a frame's subtree; a name counted once per stack (outermost match).
  const inclusive = new Map<string, number>(frameNames.map((n) => [n, 0]));
  const walk = (id: number, inside: Set<string>) => {
    const node = byId.get(id)!;
    const entered = frameNames.filter((n) => !inside.has(n) && node.callFrame.functionName === n);
    const now = entered.length ? new Set([...inside, ...entered]) : inside;
    const ms = self.get(id) ?? 0;
    for (const n of now) inclusive.set(n, inclusive.get(n)! + ms);
    for (const child of node.children ?? []) walk(child, now);
  };
  const root = profile.nodes[0];
  if (root) walk(root.id, new Set());
  const share = (ms: number) => (busyMs > 0 ? ms / busyMs : 0);
  return {
    spanMs: (profile.endTime - profile.startTime) / 1000,
    busyMs,
    idleMs,
    byOrigin: [...byOrigin.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([o, ms]) => ({ origin: o, ms, share: share(ms) })),
    topFunctions: [...byFunction.entries()]
      .sort((a, b) => b[1].ms - a[1].ms)
      .slice(0, 25)
      .map(([fn, { origin: o, ms }]) => ({ fn, origin: o, ms, share: share(ms) })),
    frames: [...inclusive.entries()].map(([name, ms]) => ({ name, ms, share: share(ms) })),
  };
}
