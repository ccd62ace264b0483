// Correctness before timing: the numpy loop and libs/cascade must give the same answers, or the
// ratio compares different work. Counts and chosen thresholds must be equal (METHOD: integers);
// accuracy, relative cost and ΔC are floats computed in different orders, so they get a tolerance.
import type { CascadePairResult, PairSummary } from './pair-analysis';
import type { NumpyPairOutputs, NumpyPairResult } from './numpy-loop';
import { SPLITS } from './zoo-export';

/** Largest |numpy − libs/cascade| allowed for a float (values are in [−1, 2]). */
export const FLOAT_TOLERANCE = 1e-12;

export interface Comparison {
  mismatches: string[];
  /** Largest float difference seen, per quantity. */
  maxFloatDiff: Record<'accuracy' | 'relativeCost' | 'deltaC', number>;
  checkedPoints: number;
}

export function comparePair(ours: CascadePairResult, numpy: NumpyPairOutputs): Comparison {
  const mismatches: string[] = [];
  const maxFloatDiff = { accuracy: 0, relativeCost: 0, deltaC: 0 };
  const equal = (what: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b))
      mismatches.push(`${what}: libs/cascade ${JSON.stringify(a)} vs numpy ${JSON.stringify(b)}`);
  };
  let checkedPoints = 0;
  for (const split of SPLITS) {
    const grid = ours.grids[split];
    const table = numpy.tables[split];
    equal(`${split} n`, grid.n, table.n);
    equal(`${split} baseCorrect`, grid.baseCorrect, table.baseCorrect);
    equal(`${split} exits`, Array.from(grid.exits), table.exits);
    equal(`${split} exitSaverCorrect`, Array.from(grid.exitSaverCorrect), table.exitSaverCorrect);
    equal(`${split} exitBaseCorrect`, Array.from(grid.exitBaseCorrect), table.exitBaseCorrect);
    const curve = ours.curves[split];
    equal(
      `${split} correct`,
      curve.map((p) => p.correct),
      table.correct,
    );
    for (const key of ['accuracy', 'relativeCost', 'deltaC'] as const) {
      curve.forEach((point, k) => {
        const diff = Math.abs(point[key] - table[key][k]);
        maxFloatDiff[key] = Math.max(maxFloatDiff[key], diff);
        if (!(diff <= FLOAT_TOLERANCE))
          mismatches.push(`${split} ${key}[${k}]: ${point[key]} vs ${table[key][k]}`);
      });
    }
    checkedPoints += curve.length;
    equal(
      `${split} frontier`,
      ours.frontiers[split].map((p) => p.k),
      numpy.frontier[split],
    );
  }
  const a = ours.procedureA;
  equal(
    'Procedure A (match, matchSafe, stopped)',
    [a.match.k, a.matchSafe.k, a.stopped],
    [numpy.procedureA.match, numpy.procedureA.matchSafe, numpy.procedureA.stopped],
  );
  equal(
    'budgets (drop, k on selection, oracle k)',
    ours.budgets.map((b) => [b.drop, b.selection.k, b.oracle.k]),
    numpy.budgets.map((b) => [b.drop, b.k, b.oracleK]),
  );
  return { mismatches, maxFloatDiff, checkedPoints };
}

/** For pairs timed in bulk: Procedure A's τ and every budget's τ must agree. */
export function compareSummaries(
  pairs: [number, number][],
  ours: PairSummary[],
  numpy: PairSummary[],
): string[] {
  const mismatches: string[] = [];
  pairs.forEach(([saver, base], i) => {
    if (JSON.stringify(ours[i]) !== JSON.stringify(numpy[i]))
      mismatches.push(
        `pair ${saver}→${base}: libs/cascade ${JSON.stringify(ours[i])} vs numpy ${JSON.stringify(numpy[i])}`,
      );
  });
  return mismatches;
}

/**
 * How the research code's own thresholds (np.arange(1, 0, −0.001), compared in float32 under
 * numpy 1.x) differ from METHOD's k/1000 grid on this pair: grid points with other exit counts.
 */
export function researchLiteralDrift(ours: CascadePairResult, numpy: NumpyPairResult) {
  const exits = ours.grids.selection.exits;
  const literal = numpy.researchLiteral.exits;
  let differing = 0;
  literal.forEach((e, i) => {
    if (e !== exits[1000 - i]) differing++;
  });
  return {
    thresholds: literal.length,
    differingExitCounts: differing,
    matchK: numpy.researchLiteral.matchK,
    ourMatchK: ours.procedureA.match.k,
    matchDeltaC: numpy.researchLiteral.matchDeltaC,
    ourMatchDeltaC: ours.procedureA.match.deltaC,
  };
}
