// Load generators for latency.bench.ts: autocannon (programmatic, overallRate) and a paced
// open-loop client. Both record every response's latency themselves (fractional ms).
import { Agent, get } from 'node:http';
import autocannon from 'autocannon';
import { percentile } from './common';

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export function summarize(latencies: readonly number[]): LatencySummary {
  const v = [...latencies].sort((a, b) => a - b);
  return {
    p50: percentile(v, 50),
    p90: percentile(v, 90),
    p99: percentile(v, 99),
    p999: percentile(v, 99.9),
    max: v[v.length - 1] ?? NaN,
    mean: v.reduce((s, x) => s + x, 0) / Math.max(1, v.length),
  };
}

export interface LoadResult {
  tool: 'autocannon' | 'paced';
  /** Wall-clock span of the run (Date.now ms). */
  startedAt: number;
  endedAt: number;
  durationS: number;
  responses: number;
  achievedRps: number;
  statusCounts: Record<string, number>;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Response latency, request written → response complete (ms). */
  latency: LatencySummary;
  /** Per second of the run: responses and p99 (ms). */
  perSecond: { responses: number; p99: number; max: number }[];
  /** autocannon only: its own summary (2xx only, integer-ms HDR histogram). */
  autocannon?: {
    p50: number;
    p90: number;
    p99: number;
    max: number;
    requestsSent: number;
    rpsAverage: number;
  };
  /**
   * autocannon only: per second, ms from the first to the last response of that second — its
   * rate limit lets each connection send back to back until it has sent its share, so the 500
   * requests of a second come as a burst; ~1000 ms means the burst took the whole second.
   */
  burstMs?: LatencySummary;
  /**
   * paced only: latency from the moment the request was due (coordinated omission excluded);
   * `timeouts` counts the requests still unanswered 10 s after the last was due.
   */
  fromSchedule?: LatencySummary;
}

function perSecond(times: number[], latencies: number[], start: number, seconds: number) {
  const buckets = Array.from({ length: Math.ceil(seconds) + 1 }, () => [] as number[]);
  times.forEach((t, i) =>
    buckets[Math.min(buckets.length - 1, Math.floor((t - start) / 1000))].push(latencies[i]),
  );
  return buckets
    .filter((b) => b.length)
    .map((b) => {
      const s = [...b].sort((x, y) => x - y);
      return { responses: b.length, p99: percentile(s, 99), max: s[s.length - 1] };
    });
}

/** autocannon with `overallRate` split over `connections`; raw latencies from its 'response' events. */
export function runAutocannon(options: {
  url: string;
  authorization: string;
  rate: number;
  connections: number;
  seconds: number;
}): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const times: number[] = [];
    const statusCounts: Record<string, number> = {};
    const startedAt = Date.now();
    const start = performance.now();
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.seconds,
        overallRate: options.rate,
        headers: { authorization: options.authorization },
        timeout: 10,
        // With overallRate autocannon corrects for coordinated omission with an expected
        // interval of ceil(1 / per-connection rate) = 1 ms, adding ~T synthetic samples per
        // T-ms response: not latencies of real requests. The paced run measures that instead.
        ignoreCoordinatedOmission: true,
      },
      (error, result) => {
        if (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        const endedAt = Date.now();
        const durationS = (performance.now() - start) / 1000;
        // Bursts: completions within each second of the run.
        const bursts: number[] = [];
        for (let s = 0; s < Math.ceil(durationS); s++) {
          const inSecond = times.filter((t) => t - start >= s * 1000 && t - start < (s + 1) * 1000);
          if (inSecond.length > 1) bursts.push(inSecond[inSecond.length - 1] - inSecond[0]);
        }
        resolve({
          tool: 'autocannon',
          startedAt,
          endedAt,
          durationS,
          responses: latencies.length,
          achievedRps: latencies.length / durationS,
          statusCounts,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          latency: summarize(latencies),
          perSecond: perSecond(times, latencies, start, durationS),
          autocannon: {
            p50: result.latency.p50,
            p90: result.latency.p90,
            p99: result.latency.p99,
            max: result.latency.max,
            requestsSent: result.requests.sent,
            rpsAverage: result.requests.average,
          },
          burstMs: summarize(bursts),
        });
      },
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      times.push(performance.now());
      statusCounts[statusCode] = (statusCounts[statusCode] ?? 0) + 1;
    });
  });
}

/**
 * Open loop: request i is due at start + i / rate whatever the earlier ones did (keep-alive
 * sockets, as many as needed); latency is counted from when it was due and from when it was sent.
 * Stops `graceS` after the last request was due: whatever is unanswered then is counted and
 * abandoned (an API that cannot keep up would otherwise keep the run going for minutes).
 */
export function runPaced(options: {
  url: string;
  authorization: string;
  rate: number;
  seconds: number;
  graceS?: number;
}): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const total = Math.round(options.rate * options.seconds);
  const interval = 1000 / options.rate;
  const graceMs = (options.graceS ?? 10) * 1000;
  const fromSend: number[] = [];
  const fromSchedule: number[] = [];
  const times: number[] = [];
  const statusCounts: Record<string, number> = {};
  let errors = 0;
  let sent = 0;
  let done = 0;
  let over = false;
  const startedAt = Date.now();
  const start = performance.now() + 20;
  return new Promise((resolve) => {
    const finish = () => {
      if (over) return;
      over = true;
      clearTimeout(deadline);
      const durationS = (performance.now() - start) / 1000;
      agent.destroy();
      const non2xx = Object.entries(statusCounts)
        .filter(([code]) => !code.startsWith('2'))
        .reduce((n, [, c]) => n + c, 0);
      resolve({
        tool: 'paced',
        startedAt,
        endedAt: Date.now(),
        durationS,
        responses: fromSend.length,
        achievedRps: fromSend.length / Math.min(durationS, options.seconds),
        statusCounts,
        non2xx,
        errors,
        timeouts: total - done,
        latency: summarize(fromSend),
        perSecond: perSecond(times, fromSchedule, start, durationS),
        fromSchedule: summarize(fromSchedule),
      });
    };
    const settled = () => {
      if (++done === total) finish();
    };
    const deadline = setTimeout(finish, 20 + options.seconds * 1000 + graceMs);
    const fire = (due: number) => {
      const sentAt = performance.now();
      const request = get(
        options.url,
        { agent, headers: { authorization: options.authorization } },
        (response) => {
          response.resume();
          response.on('end', () => {
            if (over) return;
            const end = performance.now();
            fromSend.push(end - sentAt);
            fromSchedule.push(end - due);
            times.push(end);
            const code = String(response.statusCode);
            statusCounts[code] = (statusCounts[code] ?? 0) + 1;
            settled();
          });
        },
      );
      request.on('error', () => {
        if (over) return;
        errors++;
        settled();
      });
    };
    const tick = () => {
      if (over) return;
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) fire(start + sent++ * interval);
      if (sent < total) setTimeout(tick, 1);
    };
    setTimeout(tick, 20);
  });
}
