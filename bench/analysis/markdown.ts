// bench/results/analysis.md: the tables with what each row includes and what was checked.
import type { Provenance } from './report';

export interface MarkdownInput {
  machine: Provenance;
  config: { models: number; samples: number; pair: [number, number]; numpyPairs: number };
  correctness: {
    maxFloatDiff: Record<string, number>;
    leanMaxFloatDiff: Record<string, number>;
    histogramMaxFloatDiff: Record<string, number>;
    checkedPoints: number;
    researchLiteral: {
      thresholds: number;
      differingExitCounts: number;
      matchK: number;
      ourMatchK: number;
      matchDeltaC: number;
      ourMatchDeltaC: number;
    };
  };
  goalRatio: number;
  goalMet: boolean;
  waitedForQuietS: number;
  repeatedBatches: { label: string; foreign: number }[];
  runtimeS: number;
}

const diffs = (d: Record<string, number>) =>
  Object.entries(d)
    .map(([k, v]) => `${k} ${v.toExponential(1)}`)
    .join(', ');

export function renderMarkdown(r: MarkdownInput, tables: string): string {
  const m = r.machine;
  const c = r.config;
  const drift = r.correctness.researchLiteral;
  return `# libs/cascade vs the research code's threshold loop in numpy

\`npx tsx --conditions=development bench/analysis.bench.ts\` — ${m.date}; ${m.cpu}, ${m.cores} cores,
${m.memoryGiB} GiB; Node ${m.node}, Python ${m.python}, numpy ${m.numpy} (Debian, /usr/bin/python3;
${Object.entries(m.numpyThreadEnv)
  .map(([k, v]) => `${k}=${v ?? 'unset'}`)
  .join(', ')}); git ${m.gitSha}${m.uncommittedChanges ? ' with uncommitted changes' : ''}.
Records: bench/synthetic-zoo.ts, ${c.models} models × ${c.samples.toLocaleString('en-US')} samples × 2
splits (selection seed 1, evaluation seed 2), exported as .npy to a temporary folder. Benchmarked
pair ${c.pair[0]}→${c.pair[1]} (saver → base, as cascade.bench.ts).

Goal: analysis ≥ ${r.goalRatio} × the numpy loop — **${r.goalMet ? 'met' : 'missed'}**.

${tables}

What each row includes:

- *Preparation* (per model and split, done once and shared by every pair the model joins; not in
  the pair rows): numpy \`np.load\` of the float32 confidences and int32 top-1 classes plus
  \`pred == label\` (label array loaded once per split); libs/cascade reads the same files and
  builds its outcomes (\`makeOutcomes\`: correctness flags and the float32-vs-k/1000 grid level of
  every sample). The farm itself decodes a checksummed top-5 record instead (third row).
- *Pair rows*, both sides from prepared inputs, both splits: the curve at all 1,001 grid thresholds
  (k/1000, k = 0…1000: exits, correct, exit-set counts, accuracy, relative cost, ΔC), Procedure A
  on the selection split (match, matchSafe), the budgets 0.01 / 0.5 / 1 points chosen on selection
  and read on evaluation plus the oracle, and the Pareto frontier of both splits. numpy: the
  research loop, vectorised over samples, one pass per threshold (mask = conf > τ;
  accuracy = mean(where(mask, saver_correct, base_correct)); cost = (C_S + mean(~mask)·C_B)/C_B;
  plus exact counts), Procedure A / budgets / frontier from that table. libs/cascade:
  \`buildPairGrid\` (one pass, histogram by grid level, suffix sums), \`sweepGrid\`, \`procedureA\`,
  \`readBudgets\`, \`paretoFrontier\`. Timed in-process on each side (numpy with
  \`time.perf_counter\` inside Python: no IPC in the figure).
- *all pairs*: libs/cascade runs all ${c.models * (c.models - 1)} ordered pairs (self excluded, any
  MACs order, as cascade.bench.ts); numpy runs a seeded random sample of ${c.numpyPairs} of them and
  the total is a **projection**. The conservative projection uses the one-pair numpy median (its
  runs were the least disturbed).
- *lean loop body*: the same outputs from a leaner numpy body (one mask and three
  \`count_nonzero\` per threshold; floats from the counts after the loop). *research code's loop
  as written*: its \`match_performance\` with \`compelete=True\` (its default), restated: its own
  \`np.arange\` thresholds, fancy-indexed selections, one info row per threshold.

Correctness (checked before timing; the bench fails on any difference): on the benchmarked pair
all ${r.correctness.checkedPoints} grid points of both splits have equal integer counts, and
Procedure A (match, matchSafe, stopped), every budget's and oracle's threshold and both Pareto
frontiers are equal; floats differ by at most ${diffs(r.correctness.maxFloatDiff)} (lean loop:
${diffs(r.correctness.leanMaxFloatDiff)}; histogram: ${diffs(r.correctness.histogramMaxFloatDiff)};
tolerance 1e-12). On every pair numpy timed, Procedure
A's and every budget's threshold equal libs/cascade's. numpy compares the float32 array with the
largest float32 not above k/1000, which is the same test as METHOD's float32 \`conf > k/1000\`.

The research code's own thresholds (\`np.arange(1, 0, -0.001)\` accumulates float error, and
numpy 1.x compares a float32 array with a float64 scalar in float32) give another exit count than
METHOD's grid at ${drift.differingExitCounts} of ${drift.thresholds} thresholds on this pair; its
Procedure A row is k = ${drift.matchK} (ΔC ${drift.matchDeltaC.toFixed(6)}), libs/cascade's k =
${drift.ourMatchK} (ΔC ${drift.ourMatchDeltaC.toFixed(6)}).

Others' share of the machine is measured from /proc for every batch (bench/worker/foreign-load.ts);
a batch during which others used more than 10 % is repeated while time allows (at most 3 tries,
least disturbed kept). Waited ${r.waitedForQuietS.toFixed(0)} s for quiet; ${r.repeatedBatches.length}
batches repeated; bench ${r.runtimeS.toFixed(0)} s.
`;
}
