import { FarmApiError } from '@tinysaver/client';
import { resultsDocument, searchView } from '../testing/documents';
import { fakeIo, sequence } from '../testing/fake-io';
import { searchCommand, searchExitCode, searchRequestFromFlags } from './search';

describe('searchRequestFromFlags', () => {
  it('builds the request, leaving out what the API defaults', () => {
    expect(searchRequestFromFlags({ bases: 'a,b', selection: 'sel', evaluation: 'eval' })).toEqual({
      bases: ['a', 'b'],
      selection: 'sel',
      evaluation: 'eval',
    });
    expect(
      searchRequestFromFlags({
        bases: 'a',
        savers: 'x, y',
        selection: 's',
        evaluation: 'e',
        budgets: '0.01,0.5,1',
        'top-k': '3',
        chains: true,
      }),
    ).toEqual({
      bases: ['a'],
      savers: ['x', 'y'],
      selection: 's',
      evaluation: 'e',
      budgets: [0.01, 0.5, 1],
      topK: 3,
      chains: true,
    });
    expect(
      searchRequestFromFlags({ bases: 'a', savers: 'all-cheaper', selection: 's', evaluation: 'e' })
        .savers,
    ).toBe('all-cheaper');
  });

  it('names the missing flags and bad values', () => {
    expect(() => searchRequestFromFlags({ bases: 'a' })).toThrow(
      'search start needs --selection, --evaluation.',
    );
    expect(() =>
      searchRequestFromFlags({ bases: 'a', selection: 's', evaluation: 'e', 'top-k': '0' }),
    ).toThrow(/--top-k/);
    expect(() =>
      searchRequestFromFlags({ bases: 'a', selection: 's', evaluation: 'e', budgets: 'x' }),
    ).toThrow(/--budgets/);
  });
});

describe('searchExitCode', () => {
  it('is 1 only for searches that failed or were cancelled', () => {
    expect(searchExitCode({ status: 'queued' })).toBe(0);
    expect(searchExitCode({ status: 'running' })).toBe(0);
    expect(searchExitCode({ status: 'completed' })).toBe(0);
    expect(searchExitCode({ status: 'failed' })).toBe(1);
    expect(searchExitCode({ status: 'cancelled' })).toBe(1);
  });
});

describe('tinysaver search', () => {
  const running = searchView({
    status: 'running',
    progress: { done: 2, total: 4, phase: 'records' },
  });

  it('start --watch --json follows the search and prints only its final document', async () => {
    const api = {
      startSearch: jest.fn().mockResolvedValue(searchView()),
      search: jest.fn().mockImplementation(sequence(running, searchView({ status: 'completed' }))),
    };
    const io = fakeIo(api);
    const code = await searchCommand(
      [
        'start',
        '--bases',
        'cnn-tiny',
        '--selection',
        'sel',
        '--evaluation',
        'eval',
        '--watch',
        '--json',
      ],
      io,
    );
    expect(code).toBe(0);
    expect(api.startSearch).toHaveBeenCalledWith({
      bases: ['cnn-tiny'],
      selection: 'sel',
      evaluation: 'eval',
    });
    expect(io.stdout).toHaveLength(1);
    expect(JSON.parse(io.stdout[0])).toMatchObject({ id: 's-1', status: 'completed' });
    expect(io.stderr.some((l) => l.includes('records 2/4'))).toBe(true);
  });

  it('status --watch exits 1 with the error when the search fails', async () => {
    const failed = searchView({
      status: 'failed',
      error: { code: 'records-failed', message: 'shard selection-000000 could not be read' },
    });
    const api = { search: jest.fn().mockImplementation(sequence(running, failed)) };
    const io = fakeIo(api);
    expect(await searchCommand(['status', 's-1', '--watch'], io)).toBe(1);
    expect(io.stdout[0]).toMatch(/^Search s-1: failed/);
    expect(io.stderr).toContain(
      'tinysaver search: search s-1 failed: [records-failed] shard selection-000000 could not be read',
    );
  });

  it('status without --watch answers once: 0 while running, 1 once cancelled', async () => {
    const live = fakeIo({ search: jest.fn().mockResolvedValue(running) });
    expect(await searchCommand(['status', 's-1'], live)).toBe(0);
    const cancelled = fakeIo({
      search: jest.fn().mockResolvedValue(searchView({ status: 'cancelled' })),
    });
    expect(await searchCommand(['status', 's-1', '--json'], cancelled)).toBe(1);
    expect(JSON.parse(cancelled.stdout[0])).toMatchObject({ status: 'cancelled' });
  });

  it('results prints the table, or the document with --json', async () => {
    const api = { results: jest.fn().mockResolvedValue(resultsDocument()) };
    const human = fakeIo(api);
    expect(await searchCommand(['results', 's-1'], human)).toBe(0);
    expect(human.stdout[0]).toContain('cnn-tiny  333.06 K');
    const json = fakeIo(api);
    expect(await searchCommand(['results', 's-1', '--json'], json)).toBe(0);
    expect(JSON.parse(json.stdout[0])).toEqual(resultsDocument());
  });

  it('cancel of an ended search exits 3 with the API’s code', async () => {
    const api = {
      cancelSearch: jest
        .fn()
        .mockRejectedValue(new FarmApiError(409, 'search-ended', 'Search s-1 already ended.')),
    };
    const io = fakeIo(api);
    expect(await searchCommand(['cancel', 's-1'], io)).toBe(3);
    expect(io.stderr[0]).toBe(
      'tinysaver search cancel: the API refused the request (409 search-ended): Search s-1 already ended.',
    );
  });

  it('exits 4 when the API fails', async () => {
    const api = {
      searches: jest
        .fn()
        .mockRejectedValue(new FarmApiError(503, 'storage-unavailable', 'S3 does not answer.')),
    };
    const io = fakeIo(api);
    expect(await searchCommand(['list'], io)).toBe(4);
    expect(io.stderr[0]).toContain('(503 storage-unavailable)');
  });
});
