import { FarmApiError } from '@tinysaver/client';
import { fakeIo } from '../testing/fake-io';
import { reportCommand } from './report';

describe('tinysaver report', () => {
  const api = { report: jest.fn().mockResolvedValue('<!doctype html><p>ΔC</p>') };

  it('writes the report to report-<id>.html by default, or to --out', async () => {
    const io = fakeIo(api);
    expect(await reportCommand(['s-1'], io)).toBe(0);
    expect(io.files.get('report-s-1.html')).toBe('<!doctype html><p>ΔC</p>');
    expect(io.stdout).toEqual(['Wrote report-s-1.html (25 bytes).']);

    const json = fakeIo(api);
    expect(await reportCommand(['s-1', '--out', 'r.html', '--json'], json)).toBe(0);
    expect(JSON.parse(json.stdout[0])).toEqual({ id: 's-1', file: 'r.html', bytes: 25 });
  });

  it('writes it to stdout with --out -', async () => {
    const io = fakeIo(api);
    expect(await reportCommand(['s-1', '--out', '-'], io)).toBe(0);
    expect(io.stdout).toEqual(['<!doctype html><p>ΔC</p>']);
    expect(await reportCommand(['s-1', '--out', '-', '--json'], fakeIo(api))).toBe(2);
  });

  it('exits 3 when the search has no report yet, 2 without an id', async () => {
    const refusing = {
      report: jest
        .fn()
        .mockRejectedValue(new FarmApiError(409, 'search-not-completed', 'Still running.')),
    };
    const io = fakeIo(refusing);
    expect(await reportCommand(['s-1'], io)).toBe(3);
    expect(io.stderr[0]).toContain('(409 search-not-completed)');
    const usage = fakeIo(refusing);
    expect(await reportCommand([], usage)).toBe(2);
    expect(usage.stderr[0]).toBe(
      "tinysaver report: missing <id>.\nRun 'tinysaver report --help' for the options.",
    );
  });
});
