import { resultsDocument } from '../testing/documents';
import { formatResults, resultsTable } from './results-table';

describe('resultsTable', () => {
  it('shows per base its best saver and, per budget, τ, compute saved and drop on evaluation', () => {
    expect(resultsTable(resultsDocument()).split('\n')).toEqual([
      'BASE          MACS  ACC SEL  ACC EVAL  BEST SAVER      ΔC  τ@0.5pt  SAVED@0.5pt  DROP@0.5pt  τ@1pt  SAVED@1pt  DROP@1pt',
      '--------  --------  -------  --------  ----------  ------  -------  -----------  ----------  -----  ---------  --------',
      'cnn-tiny  333.06 K   90.12%    89.76%  linear      -0.412    0.873        40.0%      0.40pt  0.800      50.0%    0.96pt',
      'linear      7.84 K   85.20%    84.25%  —                —        —            —           —      —          —         —',
    ]);
  });

  it('frames the table with what was searched and how to read it', () => {
    const text = formatResults(resultsDocument());
    expect(text).toContain(
      "Search s-1: selection 'sel' (2500 samples), evaluation 'eval' (2500 samples); 6 records (2 reused).",
    );
    expect(text).toContain('SAVED (1 − relative cost)');
  });

  it('adds a line per chain when the search built them', () => {
    const doc = resultsDocument();
    const withChain = {
      ...doc,
      bases: [
        {
          ...doc.bases[0],
          chain: {
            exits: [
              {
                saver: 'linear',
                enabled: true,
                threshold: 0.9,
                exitRatio: 0.5,
                passRatio: 0.5,
                deltaC: -0.4,
              },
              {
                saver: 'mlp-64',
                enabled: false,
                threshold: 1,
                exitRatio: 0,
                passRatio: 1,
                deltaC: 0.1,
              },
            ],
            selection: { accuracy: 0.9, relativeCost: 0.55, answeredRatio: [0.5, 0.5] },
            evaluation: { accuracy: 0.895, relativeCost: 0.56, answeredRatio: [0.5, 0.5] },
          },
        },
      ],
    };
    expect(formatResults(withChain)).toContain(
      'Chain for cnn-tiny: linear → cnn-tiny; on evaluation 44.0% saved at 89.50% accuracy.',
    );
  });
});
