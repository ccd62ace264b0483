import { duration, fixed, integer, percent, points, share, si, signed, threshold } from './format';

describe('format', () => {
  it('prints fixed decimals with a real minus sign and no negative zero', () => {
    expect(fixed(-0.4123, 3)).toBe('−0.412');
    expect(fixed(-0.0001, 3)).toBe('0.000');
    expect(fixed(2, 1)).toBe('2.0');
    expect(signed(0.12, 3)).toBe('+0.120');
    expect(signed(-3, 0)).toBe('−3');
    expect(signed(0, 0)).toBe('0');
  });

  it('prints fractions as percentages and drops as points', () => {
    expect(percent(0.85214)).toBe('85.21 %');
    expect(percent(1, 0)).toBe('100 %');
    expect(points(0.5)).toBe('0.50 pp');
  });

  it('groups integers and scales counts', () => {
    expect(integer(1234567)).toBe('1\u202f234\u202f567');
    expect(integer(-2500)).toBe('−2\u202f500');
    expect(integer(999)).toBe('999');
    expect(si(7840)).toBe('7.84 k');
    expect(si(4_100_000_000)).toBe('4.10 G');
    expect(si(512)).toBe('512');
  });

  it('prints thresholds on the grid with three decimals, others as they are', () => {
    expect(threshold(0.5)).toBe('0.500');
    expect(threshold(0.503)).toBe('0.503');
    expect(threshold(0.12345)).toBe('0.12345');
  });

  it('prints small ratios with an exponent', () => {
    expect(share(0.1333)).toBe('0.133');
    expect(share(0.0000153)).toBe('1.5e−5');
    expect(share(0)).toBe('0.000');
  });

  it('prints durations in ms or s', () => {
    expect(duration(456.4)).toBe('456 ms');
    expect(duration(1234)).toBe('1.23 s');
  });

  it('prints a dash for what is not a number', () => {
    for (const f of [fixed, signed] as const) expect(f(NaN, 2)).toBe('—');
    for (const f of [percent, points, integer, si, duration, threshold, share])
      expect([f(undefined), f(Infinity)]).toEqual(['—', '—']);
  });
});
