// Times buildSearchReport (libs/cascade/src/lib/report) on a search the size of a real one:
//   20 models, 50,000 samples per split (selection and evaluation), every model a base with all
//   cheaper models as candidates (base i gets models 0..i-1), top 5, budgets 0.01/0.5/1 points,
//   greedy chains, bootstrap intervals (200 replicates) for each base's rank-1 saver.
// The bootstrap dominates: 19 bases × 3 budgets × 200 replicates × 50,000 draws. Prints the
// median of 3 runs with and without it, and one bootstrapAtThreshold call on its own, as wall
// and CPU time (the CPU figure holds up when other work shares the machine).
//   npx tsx --conditions=development bench/report.bench.ts
// Prints only; writes nothing.
import { cpus } from 'node:os';
import type { SearchReportInput, SplitOutcomes } from '@tinysaver/cascade';
import { bootstrapAtThreshold, buildSearchReport } from '@tinysaver/cascade';
import { syntheticZoo } from './synthetic-zoo';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 50_000);
const MODELS = Number(process.env.BENCH_MODELS ?? 20);
const RUNS = Number(process.env.BENCH_REPEATS ?? 3);
const BOOTSTRAP = { replicates: 200, seed: 1, level: 0.95 };

interface Timing {
  /** Wall-clock ms of each run, in run order. */
  wall: number[];
  /** CPU ms (user + system) of each run: steadier than wall time on a shared machine. */
  cpu: number[];
}

function time(fn: () => unknown, runs: number): Timing {
  const t: Timing = { wall: [], cpu: [] };
  for (let r = 0; r < runs; r++) {
    const cpu = process.cpuUsage();
    const start = performance.now();
    fn();
    t.wall.push(performance.now() - start);
    const used = process.cpuUsage(cpu);
    t.cpu.push((used.user + used.system) / 1000);
  }
  return t;
}

const median = (ms: number[]) => [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)];

function main() {
  console.log(
    `buildSearchReport benchmark — ${cpus()[0]?.model ?? 'unknown'}, Node ${process.version}`,
  );
  console.log(`${MODELS} models × ${SAMPLES} samples per split (synthetic, seeded)\n`);
  // Seeds 1 and 2 as in cascade.bench.ts: the same zoo, two independent splits.
  const selection = syntheticZoo(MODELS, SAMPLES, 1);
  const evaluation = syntheticZoo(MODELS, SAMPLES, 2);
  const outcomes = new Map<string, SplitOutcomes>(
    selection.map((s, i) => [s.name, { selection: s, evaluation: evaluation[i] }]),
  );
  // The zoo's MACs rise with the index, so models 0..i-1 are exactly base i's cheaper ones.
  const bases = selection.map((base, i) => ({
    name: base.name,
    savers: selection.slice(0, i).map((s) => s.name),
  }));
  const input: SearchReportInput = {
    bases,
    outcomes,
    budgets: [0.01, 0.5, 1],
    topK: 5,
    chains: true,
    bootstrap: BOOTSTRAP,
  };

  const rows: Record<string, string>[] = [];
  const record = (measurement: string, t: Timing) =>
    rows.push({
      measurement,
      'median wall ms': median(t.wall).toFixed(0),
      'median CPU ms': median(t.cpu).toFixed(0),
      'wall ms per run': t.wall.map((ms) => ms.toFixed(0)).join(', '),
    });

  let bytes = 0;
  let intervals = 0;
  record(
    `buildSearchReport, bootstrap ${BOOTSTRAP.replicates} replicates`,
    time(() => {
      const report = buildSearchReport(input);
      bytes = JSON.stringify(report).length;
      intervals = report.bases.reduce(
        (sum, b) => sum + b.savers.reduce((n, s) => n + s.budgets.filter((x) => x.ci).length, 0),
        0,
      );
    }, RUNS),
  );
  record(
    'buildSearchReport, bootstrap false',
    time(() => buildSearchReport({ ...input, bootstrap: false }), RUNS),
  );
  const last = MODELS - 1;
  record(
    `one bootstrapAtThreshold, ${BOOTSTRAP.replicates} replicates × ${SAMPLES} samples`,
    time(
      () =>
        bootstrapAtThreshold(
          { saver: evaluation[0], base: evaluation[last], threshold: 0.9 },
          BOOTSTRAP,
        ),
      Math.max(RUNS, 5),
    ),
  );
  console.table(rows);
  console.log(
    `\n${bases.length} bases, ${intervals} budget intervals, results JSON ${(bytes / 1024).toFixed(0)} KiB`,
  );
}

main();
