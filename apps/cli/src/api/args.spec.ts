import {
  expectPositionals,
  parseCommand,
  parseInteger,
  parseList,
  parseNumber,
  parseNumberList,
} from './args';
import { UsageError } from './exit-codes';

describe('parseCommand', () => {
  it('parses the common flags with the command’s own, anywhere on the line', () => {
    const { values, positionals } = parseCommand(
      ['abc', '--json', '--api', 'http://x', '--watch', '--key=k'],
      { watch: { type: 'boolean' } },
    );
    expect(positionals).toEqual(['abc']);
    expect(values).toEqual({ json: true, api: 'http://x', watch: true, key: 'k' });
  });

  it('turns unknown flags and missing values into usage errors of one line', () => {
    expect(() => parseCommand(['--nope'], {})).toThrow(UsageError);
    expect(() => parseCommand(['--nope'], {})).toThrow(/^unknown option '--nope'\.$/);
    expect(() => parseCommand(['--api'], {})).toThrow(UsageError);
    expect(() => parseCommand(['--api', '--json'], {})).toThrow(/ambiguous/);
  });
});

describe('expectPositionals', () => {
  it('names what is missing or extra', () => {
    expect(() => expectPositionals(['a'], ['<id>'])).not.toThrow();
    expect(() => expectPositionals([], ['<id>'])).toThrow('missing <id>.');
    expect(() => expectPositionals(['a', 'b'], ['<id>'])).toThrow(
      'unexpected argument(s): b (expected <id>).',
    );
    expect(() => expectPositionals(['a'], [])).toThrow('(expected none)');
  });
});

describe('value parsers', () => {
  it('parse lists, numbers and whole numbers', () => {
    expect(parseList(' a, b ,c', '--bases')).toEqual(['a', 'b', 'c']);
    expect(parseNumberList('0.01,0.5,1', '--budgets')).toEqual([0.01, 0.5, 1]);
    expect(parseNumber('1e-3', '--crop-pct')).toBe(0.001);
    expect(parseInteger('5', '--top-k', 1)).toBe(5);
  });

  it('refuse what is not, naming the flag', () => {
    expect(() => parseList('a,,b', '--bases')).toThrow(/--bases .*'a,,b'/);
    expect(() => parseNumberList('0.5,x', '--budgets')).toThrow(
      /--budgets takes comma-separated numbers/,
    );
    expect(() => parseNumber('', '--std')).toThrow(UsageError);
    expect(() => parseNumber('NaN', '--std')).toThrow(UsageError);
    expect(() => parseInteger('0', '--top-k', 1)).toThrow(
      '--top-k takes a whole number of at least 1',
    );
    expect(() => parseInteger('2.5', '--top-k', 1)).toThrow(UsageError);
  });
});
