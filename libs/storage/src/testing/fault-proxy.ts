// A fault-injecting HTTP proxy for tests: put it in front of a real S3 server (s3rver) and point
// the client under test at `endpoint`. Requests pass through unchanged unless a rule fails them
// with a 5xx, a dropped connection or a response that never comes. Decisions come from a seeded
// PRNG so a failing run can be repeated.
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pipeline } from 'node:stream';

export type FaultKind = 'error-503' | 'error-500' | 'reset' | 'stall';

export interface FaultRule {
  /**
   * Which requests this rule may hit: matched against `${method} ${path}` (path includes the
   * query string), e.g. /^GET \/bucket\/shards\//. Default: every request.
   */
  readonly match?: RegExp;
  /** Fraction of matching requests that fail, 0..1. Decided by a seeded PRNG so runs repeat. */
  readonly rate: number;
  readonly kind: FaultKind;
  /**
   * The rule is in force for its first `limit` matching requests only (each still subject to
   * `rate`); later matching requests pass. With rate 1: exactly the first `limit` fail.
   */
  readonly limit?: number;
}

export interface FaultProxyOptions {
  /** The real server, e.g. http://127.0.0.1:4568. */
  readonly target: string;
  readonly rules?: FaultRule[];
  /** PRNG seed. @defaultValue 1 */
  readonly seed?: number;
}

export interface FaultProxyStats {
  readonly requests: number;
  readonly faults: number;
  readonly byKind: Readonly<Record<FaultKind, number>>;
}

export interface FaultProxy {
  /** http://127.0.0.1:<port>; the proxy listens on 127.0.0.1 only. */
  readonly endpoint: string;
  /** Replaces the rules (and their `limit` counters); the PRNG stream carries on. */
  setRules(rules: FaultRule[]): void;
  /** A snapshot of the counters so far. */
  readonly stats: FaultProxyStats;
  /** Closes every socket, stalled ones included, and the server. */
  stop(): Promise<void>;
}

/** A rule plus how many requests it has matched so far. */
interface RuleState {
  readonly rule: FaultRule;
  readonly pattern: RegExp | undefined;
  matched: number;
}

/**
 * Headers that describe one connection, not the message; Node sets its own for each leg.
 * `expect` goes too: the proxy's server already answered `100 Continue` to the client.
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
]);

/** mulberry32: tiny, fast and good enough to spread faults; returns floats in [0, 1). */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function compileRules(rules: readonly FaultRule[]): RuleState[] {
  return rules.map((rule) => {
    if (!(rule.rate >= 0 && rule.rate <= 1)) {
      throw new RangeError(`fault rate must be within 0..1, got ${rule.rate}`);
    }
    if (rule.limit !== undefined && !(Number.isInteger(rule.limit) && rule.limit >= 0)) {
      throw new RangeError(`fault limit must be a non-negative integer, got ${rule.limit}`);
    }
    // A copy without g/y: RegExp.test on those flags is stateful and would skip matches.
    const pattern =
      rule.match && new RegExp(rule.match.source, rule.match.flags.replace(/[gy]/g, ''));
    return { rule, pattern, matched: 0 };
  });
}

/** The first in-force matching rule whose draw says "fail", or undefined to pass through. */
function pickFault(rules: RuleState[], line: string, random: () => number): FaultKind | undefined {
  for (const state of rules) {
    if (state.pattern && !state.pattern.test(line)) continue;
    if (state.rule.limit !== undefined && state.matched >= state.rule.limit) continue;
    state.matched += 1;
    if (random() < state.rule.rate) return state.rule.kind;
  }
  return undefined;
}

function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Answers like S3 does when it sheds load (503 SlowDown) or fails (500 InternalError). */
function sendS3Error(
  req: IncomingMessage,
  res: ServerResponse,
  status: 500 | 503,
  id: number,
): void {
  const code = status === 503 ? 'SlowDown' : 'InternalError';
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Error><Code>${code}</Code><Message>injected fault</Message>` +
    `<Resource>${xmlEscape(req.url ?? '/')}</Resource><RequestId>fault-proxy-${id}</RequestId></Error>`;
  // Drain the upload first so the client is not cut off mid-write and sees the answer.
  req.resume();
  req.once('end', () => {
    res.writeHead(status, {
      'content-type': 'application/xml',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
}

/** Copies a raw header list without hop-by-hop headers, optionally replacing Host. */
function forwardHeaders(rawHeaders: readonly string[], host?: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i];
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || (host !== undefined && lower === 'host')) continue;
    out.push(name, rawHeaders[i + 1]);
  }
  if (host !== undefined) out.push('Host', host);
  return out;
}

/** Sends the request on to the target; `onResponse` decides what the client gets back. */
function forward(
  req: IncomingMessage,
  res: ServerResponse,
  target: URL,
  agent: Agent,
  onResponse: (upstream: IncomingMessage) => void,
): void {
  const upstreamReq = httpRequest({
    host: target.hostname,
    port: target.port,
    method: req.method,
    path: req.url,
    headers: forwardHeaders(req.rawHeaders, target.host),
    agent,
  });
  upstreamReq.on('response', onResponse);
  upstreamReq.on('error', () => {
    // Target unreachable or gone mid-response: say so if we still can, else drop the client.
    if (res.headersSent) res.destroy();
    else res.writeHead(502).end();
  });
  // Client gave up (or the proxy reset it): stop the upstream leg too.
  res.on('close', () => upstreamReq.destroy());
  pipeline(req, upstreamReq, () => undefined);
}

function passThrough(res: ServerResponse, upstream: IncomingMessage): void {
  res.writeHead(
    upstream.statusCode ?? 502,
    upstream.statusMessage,
    forwardHeaders(upstream.rawHeaders),
  );
  pipeline(upstream, res, () => undefined);
}

/**
 * Mid-body reset: send the status, headers and half of the first body chunk, wait until they
 * are on the wire, then close the connection. The client has a response in hand and its body
 * stream fails ("aborted"), which is what a flaky network does to a large GET. A GET answer with
 * no body to split (304, an empty or 1-byte object) is dropped before any byte of it is sent.
 * Other methods never get here: their socket is destroyed before the target is contacted.
 */
function resetMidBody(res: ServerResponse, upstream: IncomingMessage): void {
  const drop = (): void => {
    upstream.destroy();
    res.socket?.destroy();
  };
  upstream.once('end', drop);
  upstream.once('data', (chunk: Buffer) => {
    upstream.pause();
    const part = chunk.subarray(0, Math.floor(chunk.length / 2));
    if (part.length === 0) return drop();
    res.writeHead(
      upstream.statusCode ?? 502,
      upstream.statusMessage,
      forwardHeaders(upstream.rawHeaders),
    );
    res.write(part, drop);
  });
}

function applyFault(
  kind: FaultKind,
  req: IncomingMessage,
  res: ServerResponse,
  id: number,
  reset: () => void,
): void {
  switch (kind) {
    case 'error-503':
      return sendS3Error(req, res, 503, id);
    case 'error-500':
      return sendS3Error(req, res, 500, id);
    case 'reset':
      return reset();
    case 'stall':
      // Take the upload so the client waits for an answer that never comes; stop() ends it.
      req.resume();
      return;
  }
}

function listen(server: Server): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const random = seededRandom(options.seed ?? 1);
  // No keep-alive upstream: a fresh connection per request cannot hit the idle-socket reuse race.
  const agent = new Agent({ keepAlive: false });
  const sockets = new Set<Socket>();
  let rules = compileRules(options.rules ?? []);
  let requests = 0;
  const byKind: Record<FaultKind, number> = { 'error-503': 0, 'error-500': 0, reset: 0, stall: 0 };

  const server = createServer((req, res) => {
    requests += 1;
    const kind = pickFault(rules, `${req.method ?? ''} ${req.url ?? '/'}`, random);
    if (kind === undefined) {
      forward(req, res, target, agent, (upstream) => passThrough(res, upstream));
      return;
    }
    byKind[kind] += 1;
    const reset =
      req.method === 'GET'
        ? () => forward(req, res, target, agent, (upstream) => resetMidBody(res, upstream))
        : () => req.socket.destroy();
    applyFault(kind, req, res, requests, reset);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const { port } = await listen(server);

  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    setRules(next) {
      rules = compileRules(next);
    },
    get stats(): FaultProxyStats {
      const faults = Object.values(byKind).reduce((sum, n) => sum + n, 0);
      return { requests, faults, byKind: { ...byKind } };
    },
    stop() {
      stopped ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // close() waits for open connections; stalled ones would never end by themselves.
        for (const socket of sockets) socket.destroy();
        agent.destroy();
      });
      return stopped;
    },
  };
}
