import { renderTable } from './table';

describe('renderTable', () => {
  it('pads columns to their widest cell, aligns numbers right and trims line ends', () => {
    const text = renderTable(
      [{ header: 'NAME' }, { header: 'MACS', align: 'right' }, { header: 'NOTE' }],
      [
        ['linear', '7.84 K', ''],
        ['resnet-8', '9.35 M', 'base'],
      ],
    );
    expect(text.split('\n')).toEqual([
      'NAME        MACS  NOTE',
      '--------  ------  ----',
      'linear    7.84 K',
      'resnet-8  9.35 M  base',
    ]);
  });

  it('counts code points, so ΔC and τ columns line up', () => {
    const text = renderTable(
      [{ header: 'ΔC', align: 'right' }, { header: 'τ' }],
      [['-0.412', '0.873']],
    );
    expect(text.split('\n')).toEqual(['    ΔC  τ', '------  -----', '-0.412  0.873']);
  });

  it('renders a header alone, and missing cells empty', () => {
    expect(renderTable([{ header: 'A' }, { header: 'B' }], [])).toBe('A  B\n-  -');
    expect(renderTable([{ header: 'A' }, { header: 'B' }], [['x']])).toBe('A  B\n-  -\nx');
  });

  it('refuses a row with more cells than columns', () => {
    expect(() => renderTable([{ header: 'A' }], [['x', 'y']])).toThrow(/2 cells for 1 columns/);
  });
});
