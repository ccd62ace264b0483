'use strict';
// Preloaded into the built API by bench/api/latency.bench.ts (NODE_OPTIONS=--require <this>);
// the API's code is unchanged. Main thread only:
//  - once a second, one JSON line on stderr: the event loop's delay over that second
//    (perf_hooks.monitorEventLoopDelay, 10 ms resolution) and the process's CPU in it;
//  - with BENCH_PROFILE_DIR set, SIGWINCH starts a V8 CPU profile (inspector, 500 µs sampling)
//    and the next SIGWINCH writes it there as a .cpuprofile and prints its path. (Not SIGUSR2:
//    Nest's enableShutdownHooks shuts the app down on it; not SIGUSR1: Node's inspector.)
const { isMainThread } = require('node:worker_threads');

if (isMainThread) {
  const { monitorEventLoopDelay } = require('node:perf_hooks');
  const timers = require('node:timers');
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let cpu = process.cpuUsage();
  const print = (line) => process.stderr.write(`${JSON.stringify(line)}\n`);
  const tick = timers.setInterval(() => {
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    print({
      probe: 'event-loop',
      at: Date.now(),
      meanMs: histogram.mean / 1e6,
      p50Ms: histogram.percentile(50) / 1e6,
      p99Ms: histogram.percentile(99) / 1e6,
      maxMs: histogram.max / 1e6,
      cpuMs: (used.user + used.system) / 1000,
    });
    histogram.reset();
  }, 1000);
  tick.unref();

  const dir = process.env.BENCH_PROFILE_DIR;
  if (dir) {
    const inspector = require('node:inspector');
    const { writeFileSync } = require('node:fs');
    const { join } = require('node:path');
    let session;
    process.on('SIGWINCH', () => {
      if (!session) {
        session = new inspector.Session();
        session.connect();
        session.post('Profiler.enable', () =>
          session.post('Profiler.setSamplingInterval', { interval: 500 }, () =>
            session.post('Profiler.start', () =>
              print({ probe: 'profile-started', at: Date.now() }),
            ),
          ),
        );
        return;
      }
      const current = session;
      session = undefined;
      current.post('Profiler.stop', (error, result) => {
        const file = join(dir, `api-${Date.now()}.cpuprofile`);
        if (!error) writeFileSync(file, JSON.stringify(result.profile));
        current.disconnect();
        print({ probe: 'profile-written', file, error: error ? String(error) : undefined });
      });
    });
  }
}
