import { sampleSearch } from '../testing/sample-search';
import { BASE_COLOR, chartSpecs, curvePoints, saverColor } from './chart-data';

describe('curvePoints', () => {
  it('sorts by R, drops repeated points and carries the frontier over', () => {
    // Grid order (τ ascending): R rises as fewer samples exit; a grid repeats exit sets.
    const curve = {
      relativeCost: [0.3, 0.3, 0.5, 0.5, 0.9, 1.1],
      accuracy: [0.7, 0.7, 0.8, 0.8, 0.85, 0.9],
      frontier: [0, 2, 4, 5],
    };
    expect(curvePoints(curve)).toEqual({
      x: [0.3, 0.5, 0.9, 1.1],
      y: [0.7, 0.8, 0.85, 0.9],
      frontier: [0, 1, 2, 3],
    });
  });

  it('reads an exact curve (τ descending) the same way', () => {
    const ascending = {
      relativeCost: [0.2, 0.4, 0.6, 1.05],
      accuracy: [0.6, 0.75, 0.74, 0.8],
      frontier: [0, 1, 3],
    };
    const descending = {
      relativeCost: [...ascending.relativeCost].reverse(),
      accuracy: [...ascending.accuracy].reverse(),
      frontier: [3, 2, 0],
    };
    expect(curvePoints(descending)).toEqual(curvePoints(ascending));
    expect(curvePoints(ascending).frontier).toEqual([0, 1, 3]);
  });

  it('rounds to six decimals (below a pixel) before comparing points', () => {
    const p = curvePoints({
      relativeCost: [0.1234564, 0.1234561],
      accuracy: [0.5, 0.5000001],
      frontier: [1],
    });
    expect(p).toEqual({ x: [0.123456], y: [0.5], frontier: [0] });
  });
});

describe('chartSpecs', () => {
  const { results, curves } = sampleSearch();
  const charts = chartSpecs(results, curves);

  it('makes one chart per base and split, in order, with ids from positions', () => {
    expect(charts.map((c) => [c.id, c.base, c.split, c.dataset])).toEqual([
      ['chart-0-selection', 'big', 'selection', 'sel'],
      ['chart-0-evaluation', 'big', 'evaluation', 'eval'],
      ['chart-1-selection', 'mid', 'selection', 'sel'],
      ['chart-1-evaluation', 'mid', 'evaluation', 'eval'],
    ]);
  });

  it('plots every ranked saver: its curve, its budget points, and the base at R = 1', () => {
    for (const chart of charts) {
      const base = results.bases.find((b) => b.model === chart.base)!;
      const savers = chart.series.filter((s) => s.kind === 'saver');
      expect(savers.map((s) => s.model)).toEqual(base.savers.map((s) => s.model));
      for (const [i, s] of savers.entries()) {
        expect(s.color).toBe(saverColor(i + 1));
        expect(s.x.length).toBeGreaterThanOrEqual(2);
        expect(s.x).toEqual([...s.x].sort((a, b) => a - b));
        expect(s.frontier!.length).toBeGreaterThanOrEqual(1);
        expect(s.frontier!.every((k) => k >= 0 && k < s.x.length)).toBe(true);
      }
      for (const saver of base.savers) {
        const budgets = chart.series.find((s) => s.kind === 'budgets' && s.model === saver.model)!;
        expect(budgets.x).toEqual(
          saver.budgets.map((b) => Math.round(b[chart.split].relativeCost * 1e6) / 1e6),
        );
        expect(budgets.y).toEqual(
          saver.budgets.map((b) => Math.round(b[chart.split].accuracy * 1e6) / 1e6),
        );
      }
      expect(chart.series.at(-1)).toEqual({
        kind: 'base',
        label: `${base.model} alone`,
        model: base.model,
        color: BASE_COLOR,
        x: [1],
        y: [Math.round(base.accuracy[chart.split] * 1e6) / 1e6],
      });
      expect(chart.missingCurves).toEqual([]);
    }
  });

  it("names the savers whose curve is missing, and ignores another search's curves", () => {
    const [first] = results.bases;
    const some = curves.filter(
      (c) => !(c.base === first.model && c.saver === first.savers[0].model),
    );
    const other = curves.map((c) => ({ ...c, search: 'another' }));
    const [selection] = chartSpecs(results, [...some, ...other]);
    expect(selection.missingCurves).toEqual([first.savers[0].model]);
    expect(selection.series.filter((s) => s.kind === 'saver')).toHaveLength(
      first.savers.length - 1,
    );
  });
});
