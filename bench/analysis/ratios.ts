// The comparisons the bench reports, from its rows' medians: numpy time ÷ libs/cascade time for
// the same work. The first two carry the goal; the rest say how robust it is.
import type { Ratio, Row } from './report';

export function ratios(rows: readonly Row[], goalRatio: number): Ratio[] {
  const by = (id: string) => rows.find((r) => r.id === id);
  const median = (id: string) => by(id)?.medianMs ?? NaN;
  const ratio = (what: string, numpyMs: number, cascadeMs: number, goal?: number): Ratio => ({
    what,
    numpyMs,
    cascadeMs,
    ratio: numpyMs / cascadeMs,
    goal,
  });
  const allNumpy = by('all-numpy') ? median('all-numpy') : median('all-numpy-projected');
  const allLabel = by('all-numpy') ? 'measured' : 'numpy projected from the sample';
  const pair = median('pair-cascade');
  const prepNumpy = median('prepare-numpy');
  const prepOurs = median('prepare-files');
  return [
    ratio(
      'one pair, both splits, prepared inputs (research loop, 1 thread)',
      median('pair-numpy'),
      pair,
      goalRatio,
    ),
    ratio(
      `all ${by('all-cascade')?.pairs} ordered pairs, prepared inputs (${allLabel})`,
      allNumpy,
      median('all-cascade'),
      goalRatio,
    ),
    // The sample's runs meet whatever load others put on the machine; the one-pair numpy figure is
    // the least disturbed per-pair time, so this projection is the conservative one.
    ratio(
      `all ${by('all-cascade')?.pairs} ordered pairs, numpy projected from the one-pair median`,
      median('pair-numpy') * (by('all-cascade')?.pairs ?? NaN),
      median('all-cascade'),
    ),
    ratio(
      `the same ${by('sample-numpy')?.pairs} sampled pairs on both sides`,
      median('sample-numpy'),
      median('sample-cascade'),
    ),
    ratio('one pair, numpy thread pools at defaults', median('pair-numpy-default-threads'), pair),
    ratio(
      'one pair, numpy lean loop body (counts only; same outputs)',
      median('pair-numpy-lean'),
      pair,
    ),
    ratio("one pair, research code's loop as written", median('pair-numpy-literal'), pair),
    ratio(
      "one pair, libs/cascade's algorithm in numpy (contrast, not the goal)",
      median('pair-numpy-histogram'),
      pair,
    ),
    ratio(
      'one pair from the .npy files: 4 × prepare + pair',
      4 * prepNumpy + median('pair-numpy'),
      4 * prepOurs + pair,
    ),
    ratio(
      `all pairs from the .npy files: prepare all + all pairs (${allLabel})`,
      median('prepare-all-numpy') + allNumpy,
      median('prepare-all-files') + median('all-cascade'),
    ),
  ];
}
