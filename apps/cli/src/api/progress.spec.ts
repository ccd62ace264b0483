import { formatCount, formatDuration, formatPercent, formatPoints, formatTime } from './format';
import {
  describeSearchProgress,
  renderBar,
  renderModelWait,
  renderSearchProgress,
  SPINNER_FRAMES,
} from './progress';

describe('renderBar', () => {
  it('fills done/total of the width, rounding down, and clamps', () => {
    expect(renderBar(0, 8, 8)).toBe('[░░░░░░░░]');
    expect(renderBar(3, 8, 8)).toBe('[███░░░░░]');
    expect(renderBar(7, 8, 4)).toBe('[███░]');
    expect(renderBar(8, 8, 4)).toBe('[████]');
    expect(renderBar(9, 8, 4)).toBe('[████]');
    expect(renderBar(0, 0, 4)).toBe('[░░░░]');
  });
});

describe('search progress', () => {
  const view = {
    id: 's-1',
    status: 'running' as const,
    progress: { done: 3, total: 8, phase: 'records' as const },
  };

  it('describes state, records and phase', () => {
    expect(describeSearchProgress(view)).toBe('running · records 3/8 (37%)');
    expect(
      describeSearchProgress({
        status: 'running',
        progress: { done: 8, total: 8, phase: 'aggregating' },
      }),
    ).toBe('running · records 8/8 (100%) · aggregating');
    expect(
      describeSearchProgress({
        status: 'queued',
        progress: { done: 0, total: 0, phase: 'records' },
      }),
    ).toBe('queued · records 0/0 (0%)');
  });

  it('renders a line with a bar for terminals and without one for logs', () => {
    expect(renderSearchProgress(view, 12_000, { bar: true, width: 8 })).toBe(
      'search s-1  [███░░░░░]  running · records 3/8 (37%)  0:12',
    );
    expect(renderSearchProgress(view, 75_000, { bar: false })).toBe(
      'search s-1  running · records 3/8 (37%)  1:15',
    );
  });

  it('spins for models on a terminal only', () => {
    const model = { name: 'cnn-tiny', status: 'profiling' as const };
    expect(renderModelWait(model, 3000, 0)).toBe(
      `${SPINNER_FRAMES[0]} model cnn-tiny: profiling  0:03`,
    );
    expect(renderModelWait(model, 3000, SPINNER_FRAMES.length + 1)).toMatch(
      new RegExp(`^${SPINNER_FRAMES[1]} `),
    );
    expect(renderModelWait(model, 3000)).toBe('model cnn-tiny: profiling  0:03');
  });
});

describe('formats', () => {
  it('shortens counts, percentages, points, durations and times', () => {
    expect(formatCount(999)).toBe('999');
    expect(formatCount(7840)).toBe('7.84 K');
    expect(formatCount(9_345_920)).toBe('9.35 M');
    expect(formatCount(1.5e9)).toBe('1.50 G');
    expect(formatPercent(0.8525, 2)).toBe('85.25%');
    expect(formatPercent(0.5)).toBe('50.0%');
    expect(formatPoints(0.4)).toBe('0.40pt');
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(59_999)).toBe('0:59');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
    expect(formatTime('2025-01-02T03:04:05.678Z')).toBe('2025-01-02 03:04');
    expect(formatTime('soon')).toBe('soon');
  });
});
