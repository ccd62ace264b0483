import fc from 'fast-check';
import { plainProcedureA, samplesArb, alwaysRightBase } from '../../testing/arbitraries';
import { CascadeErrorCode } from '../errors';
import { makeOutcomes } from '../outcomes/model-outcomes';
import { rankSavers } from './saver-ranking';
import { thrownCode } from '../../testing/thrown-code';

describe('rankSavers', () => {
  it('ranks strictly cheaper candidates by ΔC of the plain Procedure A, stable, top 5', () => {
    fc.assert(
      fc.property(
        samplesArb(1, 30),
        fc.array(fc.tuple(samplesArb(30, 30), fc.integer({ min: 1, max: 12 })), { maxLength: 9 }),
        (b, candidates) => {
          const n = b.conf.length;
          const keys = Array.from({ length: n }, (_, i) => `k${i}`);
          const base = makeOutcomes('B', 10, b.conf, b.baseCorrect, keys);
          const savers = candidates.map(([s, macs], i) =>
            makeOutcomes(`S${i}`, macs, s.conf.slice(0, n), s.saverCorrect.slice(0, n), keys),
          );
          const plain = savers
            .filter((s) => s.macs < base.macs)
            .map((s, order) => {
              const k = plainProcedureA({
                conf: Array.from(s.confidence),
                saverCorrect: Array.from(s.correct),
                baseCorrect: b.baseCorrect,
              }).k;
              let exits = 0;
              for (const c of s.confidence) if (c > k / 1000) exits++;
              // ΔC·N·C_B as an exact integer: N·C_S − e·C_B.
              return { name: s.name, order, scaled: n * s.macs - exits * base.macs };
            })
            .sort((x, y) => x.scaled - y.scaled || x.order - y.order)
            .slice(0, 5);
          const ranked = rankSavers(base, savers);
          expect(ranked.map((r) => r.model)).toEqual(plain.map((p) => p.name));
          expect(ranked.map((r) => r.useful)).toEqual(plain.map((p) => p.scaled < 0));
          expect(ranked.map((r) => r.rank)).toEqual(plain.map((_, i) => i + 1));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('keeps candidate order on ΔC ties between savers of different cost', () => {
    const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
    const base = alwaysRightBase(keys);
    const exitsFirst = (e: number) => keys.map((_, i) => (i < e ? 0.9 : 0));
    // ΔC = 0.1 − 0.3 = 0.3 − 0.5 = −0.2: a cheap saver that exits little ties a dearer one.
    const x = makeOutcomes(
      'X',
      1,
      exitsFirst(3),
      keys.map(() => 1),
      keys,
    );
    const y = makeOutcomes(
      'Y',
      3,
      exitsFirst(5),
      keys.map(() => 1),
      keys,
    );
    expect(rankSavers(base, [y, x]).map((r) => [r.model, r.deltaC])).toEqual([
      ['Y', expect.closeTo(-0.2, 12)],
      ['X', expect.closeTo(-0.2, 12)],
    ]);
    expect(rankSavers(base, [x, y]).map((r) => r.model)).toEqual(['X', 'Y']);
  });

  it('never pairs a saver that is not strictly cheaper, and handles no candidates', () => {
    const base = makeOutcomes('B', 10, [0.5], [1]);
    const same = makeOutcomes('Same', 10, [0.9], [1], base.keys);
    const bigger = makeOutcomes('Big', 11, [0.9], [1], base.keys);
    expect(rankSavers(base, [same, bigger, base])).toEqual([]);
    expect(rankSavers(base, [])).toEqual([]);
  });

  it('reports the best saver with useful = false when none pays off', () => {
    const base = makeOutcomes('B', 10, [0.5, 0.5], [1, 1]);
    const never = makeOutcomes('N', 9, [0, 0], [0, 0], base.keys);
    expect(rankSavers(base, [never])).toEqual([
      expect.objectContaining({ model: 'N', rank: 1, useful: false }),
    ]);
  });

  it('rejects a topK that is not a positive integer', () => {
    const base = makeOutcomes('B', 10, [0.5], [1]);
    expect(thrownCode(() => rankSavers(base, [], { topK: 0 }))).toBe(
      CascadeErrorCode.InvalidArgument,
    );
  });
});
