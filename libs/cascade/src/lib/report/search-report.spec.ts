import { CascadeErrorCode } from '../errors';
import type { ModelOutcomes } from '../outcomes/model-outcomes';
import { makeOutcomes } from '../outcomes/model-outcomes';
import { bootstrapAtThreshold } from '../stats/bootstrap';
import { thrownCode } from '../../testing/thrown-code';
import type { SearchReportInput, SplitOutcomes } from './search-report';
import { buildSearchReport } from './search-report';

/** Outcomes of several models over one split's keys: name → [macs, confidences, correct]. */
function split(models: Record<string, [number, number[], number[]]>): Map<string, ModelOutcomes> {
  const n = Object.values(models)[0][1].length;
  const keys = Array.from({ length: n }, (_, i) => `k${i}`);
  return new Map(
    Object.entries(models).map(([name, [macs, conf, correct]]) => [
      name,
      makeOutcomes(name, macs, conf, correct, keys),
    ]),
  );
}

function outcomes(
  selection: Map<string, ModelOutcomes>,
  evaluation: Map<string, ModelOutcomes>,
): Map<string, SplitOutcomes> {
  return new Map(
    [...selection].map(([name, s]) => [name, { selection: s, evaluation: evaluation.get(name)! }]),
  );
}

const input = (over: Partial<SearchReportInput> & Pick<SearchReportInput, 'bases' | 'outcomes'>) =>
  ({ budgets: [0.01, 0.5, 1], topK: 5, chains: false, bootstrap: false, ...over }) as const;

// METHOD §7 on the selection split (N = 10, C_S = 1, C_B = 10).
const vectorSelection = split({
  S: [
    1,
    [0.9512, 0.9034, 0.8521, 0.8077, 0.7043, 0.6055, 0.5031, 0.4012, 0.3024, 0.2066],
    [1, 1, 1, 1, 0, 1, 0, 0, 1, 0],
  ],
  B: [10, Array<number>(10).fill(0.5), [1, 1, 1, 0, 1, 1, 1, 1, 0, 1]],
});
// A hand-made evaluation split (N = 5, base accuracy 0.8). Its confidences sit on the grid's
// float32 edges: float32(0.4) and float32(0.55) are just above 0.4 and 0.55, float32(0.7) and
// float32(0.95) just below 0.7 and 0.95.
const vectorEvaluation = split({
  S: [1, [0.95, 0.7, 0.55, 0.4, 0.1], [1, 0, 1, 1, 0]],
  B: [10, Array<number>(5).fill(0.5), [1, 1, 0, 1, 1]],
});
const vector = outcomes(vectorSelection, vectorEvaluation);

describe('buildSearchReport', () => {
  it('reports the METHOD §7 vector: ΔC −0.6 at τ = 0.503 on the selection split', () => {
    const report = buildSearchReport(
      input({ bases: [{ name: 'B', savers: ['S'] }], outcomes: vector }),
    );
    const [base] = report.bases;
    expect(base).toMatchObject({
      model: 'B',
      macs: 10,
      accuracy: { selection: 0.8, evaluation: 0.8 },
      samples: { selection: 10, evaluation: 5 },
      best: 'S',
    });
    expect(base.chain).toBeUndefined();
    const [saver] = base.savers;
    expect(saver).toMatchObject({ model: 'S', macs: 1, rank: 1, useful: true });
    expect(saver.deltaC).toBeCloseTo(-0.6, 14);
    expect(saver.match).toMatchObject({
      threshold: 0.503,
      exits: 7,
      correct: 7,
      exitRatio: 0.7,
      accuracy: 0.7,
      exitAccuracy: 5 / 7,
      baseAccuracyOnExits: 6 / 7,
    });
    expect(saver.match.deltaC).toBeCloseTo(-0.6, 14);
    expect(saver.match.relativeCost).toBeCloseTo(0.4, 14);
    expect(saver.match.accuracyDrop).toBeCloseTo(10, 12);
    expect(saver.matchSafe).toMatchObject({
      threshold: 0.504,
      exits: 6,
      exitAccuracy: 5 / 6,
      baseAccuracyOnExits: 5 / 6,
    });
    // Evaluation at 0.503: 0.95, 0.7 and 0.55 exit (saver 1 + 0 + 1), the base answers 0.4 and
    // 0.1 (1 + 1): 4 of 5.
    expect(saver.evaluationAtMatch).toMatchObject({
      threshold: 0.503,
      exits: 3,
      correct: 4,
      accuracy: 0.8,
    });
    expect(saver.evaluationAtMatch.deltaC).toBeCloseTo(0.1 - 0.6, 14);
    expect(Object.keys(saver.match)).not.toContain('k');
    expect(Object.keys(saver.evaluationAtMatch).sort()).toEqual(
      [
        'threshold',
        'exits',
        'correct',
        'exitRatio',
        'accuracy',
        'relativeCost',
        'deltaC',
        'accuracyDrop',
      ].sort(),
    );
  });

  it('chooses budgets on selection, reads evaluation there, and the oracle on evaluation', () => {
    const report = buildSearchReport(
      input({ bases: [{ name: 'B', savers: ['S'] }], outcomes: vector, budgets: [0, 10, 20] }),
    );
    const [zero, ten, twenty] = report.bases[0].savers[0].budgets;
    // 0 points. Selection (METHOD §7): 6 exits keep 8 correct, largest such τ is 0.605.
    // Evaluation at 0.605: 0.95 and 0.7 exit (1 + 0), the base answers the rest (0 + 1 + 1): 3.
    // Oracle: 4 correct needs ≤ 1 or 3–4 exits; 4 exits (float32 0.4 > 0.4) up to τ = 0.4.
    expect(zero).toMatchObject({ drop: 0, threshold: 0.605 });
    expect(zero.selection).toMatchObject({ threshold: 0.605, exits: 6, correct: 8 });
    expect(zero.evaluation).toMatchObject({ threshold: 0.605, exits: 2, correct: 3 });
    expect(zero.evaluation.accuracyDrop).toBeCloseTo(20, 12);
    expect(zero.evaluation.relativeCost).toBeCloseTo(0.7, 14);
    expect(zero.evaluation.deltaC).toBeCloseTo(-0.3, 14);
    expect(zero.oracle).toMatchObject({ threshold: 0.4, exits: 4, correct: 4, accuracyDrop: 0 });
    // 10 points: selection 9 exits at 0.302; evaluation there: four exit (1 + 0 + 1 + 1) and the
    // base gets 0.1 right: 4. The oracle needs 4 correct too (3.5 rounds up): 0.4 again.
    expect(ten).toMatchObject({ drop: 10, threshold: 0.302 });
    expect(ten.selection).toMatchObject({ exits: 9, correct: 7 });
    expect(ten.evaluation).toMatchObject({ exits: 4, correct: 4 });
    expect(ten.oracle).toMatchObject({ threshold: 0.4, exits: 4 });
    // 20 points: selection lets all 10 exit, largest τ 0.206; evaluation there is the 4-exit
    // set; the oracle lets all 5 exit (3 correct), float32 0.1 > 0.1 so up to τ = 0.1.
    expect(twenty).toMatchObject({ drop: 20, threshold: 0.206 });
    expect(twenty.selection).toMatchObject({ exits: 10, correct: 6 });
    expect(twenty.evaluation).toMatchObject({ exits: 4, correct: 4 });
    expect(twenty.oracle).toMatchObject({ threshold: 0.1, exits: 5, correct: 3 });
    expect(twenty.oracle.accuracyDrop).toBeCloseTo(20, 12);
    expect(zero.ci).toBeUndefined();
  });

  // Base always wrong: Procedure A never stops, so each saver's match row is τ = 0.001 and
  // ΔC = s − (share of confidences above 0.001).
  const ranking = () => {
    const n = 4;
    const all = (v: number) => Array<number>(n).fill(v);
    const sel = split({
      BASE: [100, all(0.5), all(0)],
      D: [30, all(0), all(1)], //     ΔC = 0.3 − 0 = 0.3
      A: [10, all(0.9), all(1)], //   ΔC = 0.1 − 1 = −0.9
      C: [20, [0.9, 0.9, 0, 0], all(1)], // ΔC = 0.2 − 0.5 = −0.3
      E: [60, all(0), all(1)], //     ΔC = 0.6
      M: [50, all(0.9), all(1)], //   ΔC = −0.5
      F: [10, all(0.9), all(1)], //   ΔC = −0.9, ties A
      ONLY: [40, all(0), all(1)], //  ΔC = 0.4
    });
    return outcomes(sel, sel);
  };

  it('keeps the top K by ΔC, ties in candidate order, and flags useless savers', () => {
    const models = ranking();
    const ranked = (savers: string[], topK = 5) =>
      buildSearchReport(input({ bases: [{ name: 'BASE', savers }], outcomes: models, topK }))
        .bases[0];
    const five = ranked(['D', 'A', 'C', 'E', 'M', 'F']);
    expect(five.best).toBe('A');
    expect(five.savers.map((s) => [s.model, s.rank, s.useful])).toEqual([
      ['A', 1, true],
      ['F', 2, true],
      ['M', 3, true],
      ['C', 4, true],
      ['D', 5, false],
    ]);
    const deltaC = [-0.9, -0.9, -0.5, -0.3, 0.3];
    five.savers.forEach((s, i) => expect(s.deltaC).toBeCloseTo(deltaC[i], 12));
    // The tie goes the other way when the candidate order does.
    expect(ranked(['F', 'A']).best).toBe('F');
    expect(ranked(['D', 'A', 'C', 'E', 'M', 'F'], 2).savers.map((s) => s.model)).toEqual([
      'A',
      'F',
    ]);
    // A best saver is reported even when it does not pay off (METHOD §4).
    const useless = ranked(['ONLY']);
    expect(useless.best).toBe('ONLY');
    expect(useless.savers[0]).toMatchObject({ rank: 1, useful: false });
  });

  it('gives a base without savers no best saver, no savers and a chain with no exits', () => {
    const report = buildSearchReport(
      input({
        bases: [{ name: 'S', savers: [] }],
        outcomes: vector,
        chains: true,
        bootstrap: { replicates: 10, seed: 1, level: 0.9 },
      }),
    );
    expect(report.bases).toEqual([
      {
        model: 'S',
        macs: 1,
        accuracy: { selection: 0.6, evaluation: 0.6 },
        samples: { selection: 10, evaluation: 5 },
        best: null,
        savers: [],
        chain: {
          exits: [],
          selection: { accuracy: 0.6, relativeCost: 1, answeredRatio: [1] },
          evaluation: { accuracy: 0.6, relativeCost: 1, answeredRatio: [1] },
        },
      },
    ]);
  });

  it('builds the greedy chain on selection and costs the same stages on evaluation', () => {
    // Selection, base always right. S1 fails Procedure A at τ = 0.3 (float32 0.3 > 0.3 lets its
    // wrong sample in): 3 exits. S2 then sees sample 3 only, right there: never fails, τ = 0.001.
    // S3 is reached by nothing and stays off.
    const sel = split({
      B: [100, [0.5, 0.5, 0.5, 0.5], [1, 1, 1, 1]],
      S1: [10, [0.9, 0.8, 0.3, 0.2], [1, 1, 0, 1]],
      S2: [20, [0, 0, 0, 0.95], [0, 0, 0, 1]],
      S3: [90, [0, 0, 0, 0], [1, 1, 1, 1]],
    });
    const ev = split({
      B: [100, [0.5, 0.5], [1, 1]],
      S1: [10, [0.5, 0.1], [1, 0]],
      S2: [20, [0.6, 0.0005], [1, 1]],
      S3: [90, [1, 1], [0, 0]],
    });
    const report = buildSearchReport(
      input({
        bases: [{ name: 'B', savers: ['S3', 'S2', 'S1'] }],
        outcomes: outcomes(sel, ev),
        chains: true,
      }),
    );
    const [base] = report.bases;
    // Alone: S1 ΔC = 0.1 − 0.75, S2 = 0.2 − 0.25, S3 = 0.9 − 0: the chain goes S1, S2, S3.
    expect(base.savers.map((s) => s.model)).toEqual(['S1', 'S2', 'S3']);
    const chain = base.chain!;
    expect(chain.exits.map((e) => [e.saver, e.enabled, e.threshold])).toEqual([
      ['S1', true, 0.3],
      ['S2', true, 0.001],
      ['S3', false, 1],
    ]);
    // ΔC_1 = 0.75·(0.1 − 1) + 0.25·0.1; ΔC_2 = 0.25·(0.2 − 1) + 0.
    expect(chain.exits[0]).toMatchObject({ exitRatio: 0.75, passRatio: 0.25 });
    expect(chain.exits[0].deltaC).toBeCloseTo(-0.65, 14);
    expect(chain.exits[1]).toMatchObject({ exitRatio: 0.25, passRatio: 0 });
    expect(chain.exits[1].deltaC).toBeCloseTo(-0.2, 14);
    expect(chain.exits[2]).toMatchObject({ exitRatio: 0, passRatio: 0, deltaC: 0 });
    // Selection: S1 answers 3 (2 right) at 10 MACs, S2 answers 1 (right) at 30: 60/4 = 15.
    expect(chain.selection).toEqual({
      accuracy: 0.75,
      relativeCost: 0.15,
      answeredRatio: [0.75, 0.25, 0],
    });
    // Evaluation, same stages: S1 takes sample 0 (0.5 > 0.3, right) at 10; sample 1 passes S1
    // (0.1) and S2 (float32 0.0005 ≤ 0.001) to the base (right) at 130: 140/2 = 70.
    expect(chain.evaluation).toEqual({
      accuracy: 1,
      relativeCost: 0.7,
      answeredRatio: [0.5, 0, 0.5],
    });
  });

  it('adds bootstrap intervals on the evaluation split to the rank-1 saver only', () => {
    const ranked = ranking();
    // A different evaluation split, so that an interval taken on selection would show.
    const ev = split({
      BASE: [100, [0.5, 0.5, 0.5, 0.5], [1, 1, 0, 1]],
      A: [10, [0.95, 0.91, 0.3, 0.1], [1, 0, 1, 0]],
      C: [20, [0.9, 0.9, 0, 0], [1, 1, 1, 1]],
    });
    const models = new Map(
      ['BASE', 'A', 'C'].map((name) => [
        name,
        { selection: ranked.get(name)!.selection, evaluation: ev.get(name)! },
      ]),
    );
    const bootstrap = { replicates: 50, seed: 3, level: 0.8 };
    const report = buildSearchReport(
      input({ bases: [{ name: 'BASE', savers: ['C', 'A'] }], outcomes: models, bootstrap }),
    );
    const [best, second] = report.bases[0].savers;
    expect(best.model).toBe('A');
    for (const budget of best.budgets) {
      const on = (side: 'selection' | 'evaluation') =>
        bootstrapAtThreshold(
          {
            saver: models.get('A')![side],
            base: models.get('BASE')![side],
            threshold: budget.threshold,
          },
          bootstrap,
        );
      const direct = on('evaluation');
      expect(direct.accuracyDrop).not.toEqual(on('selection').accuracyDrop);
      expect(budget.ci).toStrictEqual({
        level: 0.8,
        replicates: 50,
        seed: 3,
        accuracyDrop: direct.accuracyDrop,
        computeSaving: direct.computeSaving,
      });
    }
    for (const budget of second.budgets) expect('ci' in budget).toBe(false);
  });

  it('is plain JSON: a JSON round trip gives the same report', () => {
    const report = buildSearchReport(
      input({
        bases: [
          { name: 'B', savers: ['S'] },
          { name: 'S', savers: [] },
        ],
        outcomes: vector,
        chains: true,
        bootstrap: { replicates: 20, seed: 9, level: 0.95 },
      }),
    );
    expect(JSON.parse(JSON.stringify(report))).toStrictEqual(report);
    // Walk it too: only plain objects, arrays, strings, booleans, null and finite numbers.
    const walk = (value: unknown, path: string): void => {
      if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
      if (typeof value === 'number') {
        expect([path, Number.isFinite(value)]).toEqual([path, true]);
        return;
      }
      if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${path}[${i}]`));
      expect([path, Object.getPrototypeOf(value)]).toEqual([path, Object.prototype]);
      expect(Object.keys(value as object)).not.toContain('k');
      for (const [key, v] of Object.entries(value as object)) walk(v, `${path}.${key}`);
    };
    walk(report, 'report');
  });

  it('names what is missing or wrong, with the fix', () => {
    const run = (over: Partial<SearchReportInput>) => () =>
      buildSearchReport(
        input({ bases: [{ name: 'B', savers: ['S'] }], outcomes: vector, ...over }),
      );
    expect(run({ bases: [{ name: 'B', savers: ['S', 'X'] }] })).toThrow(
      /No outcomes for model "X" \(a saver of base "B"\)/,
    );
    expect(thrownCode(run({ bases: [{ name: 'Y', savers: [] }] }))).toBe(
      CascadeErrorCode.InvalidArgument,
    );
    expect(run({ bases: [{ name: 'Y', savers: [] }] })).toThrow(/model "Y" \(a base\)/);
    expect(thrownCode(run({ bases: [{ name: 'S', savers: ['B'] }] }))).toBe(
      CascadeErrorCode.SaverNotCheaper,
    );
    expect(thrownCode(run({ bases: [{ name: 'B', savers: ['S', 'S'] }] }))).toBe(
      CascadeErrorCode.InvalidArgument,
    );
    const renamed = new Map(vector);
    renamed.set('T', vector.get('S')!);
    expect(run({ bases: [{ name: 'B', savers: ['T'] }], outcomes: renamed })).toThrow(
      /under "T" are of "S"/,
    );
    // Settings fail the same way whether or not a base has savers to use them on.
    const none = [{ name: 'S', savers: [] }];
    expect(thrownCode(run({ bases: none, budgets: [-1] }))).toBe(CascadeErrorCode.InvalidBudget);
    expect(thrownCode(run({ bases: none, topK: 0 }))).toBe(CascadeErrorCode.InvalidArgument);
    expect(
      thrownCode(run({ bases: none, bootstrap: { replicates: 1, seed: 1, level: 0.95 } })),
    ).toBe(CascadeErrorCode.InvalidArgument);
    const empty = outcomes(split({ S: [1, [], []] }), split({ S: [1, [], []] }));
    expect(thrownCode(run({ bases: none, outcomes: empty }))).toBe(CascadeErrorCode.EmptySplit);
  });
});
