// A loopback port nobody listens on (taken, then released): a real refused connection.
import { freePort as closedPort } from '@tinysaver/testkit';
import { FarmApiError, FarmClient } from '@tinysaver/client';
import { classifyError, ExitCode, OutcomeError, UsageError } from './exit-codes';

describe('classifyError', () => {
  it('gives the documented, stable numbers', () => {
    expect(ExitCode).toEqual({ Ok: 0, Failed: 1, Usage: 2, Refused: 3, Unavailable: 4 });
  });

  it.each([400, 401, 403, 404, 409, 413, 429])(
    'maps an API refusal (%i) to 3 and prints its code and message',
    (status) => {
      const result = classifyError(new FarmApiError(status, 'model-exists', 'Name taken.'));
      expect(result.exitCode).toBe(ExitCode.Refused);
      expect(result.message).toBe(
        `the API refused the request (${status} model-exists): Name taken.`,
      );
    },
  );

  it.each([500, 502, 503, 504])('maps an API failure (%i) to 4', (status) => {
    const result = classifyError(new FarmApiError(status, 'storage-unavailable', 'S3 is down.'));
    expect(result).toEqual({
      exitCode: ExitCode.Unavailable,
      message: `the API is unavailable (${status} storage-unavailable): S3 is down.`,
    });
  });

  it('maps a refused connection, as fetch reports it, to 4 naming the API', async () => {
    const api = `http://127.0.0.1:${await closedPort()}`;
    const error = await new FarmClient({ api, key: 'k' }).models().catch((e: unknown) => e);
    const result = classifyError(error, api);
    expect(result.exitCode).toBe(ExitCode.Unavailable);
    expect(result.message).toContain(`cannot reach the API at ${api} (ECONNREFUSED)`);
    expect(result.message).toContain('TINYSAVER_API');
  });

  it('maps socket errors by their code, and timeouts, to 4', () => {
    const reset = new TypeError('fetch failed', {
      cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
    });
    expect(classifyError(reset)).toMatchObject({ exitCode: ExitCode.Unavailable });
    expect(classifyError(reset).message).toContain('(ECONNRESET)');
    const several = new TypeError('fetch failed', {
      cause: new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]),
    });
    expect(classifyError(several).message).toContain('(ECONNREFUSED)');
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(classifyError(timeout, 'http://api')).toEqual({
      exitCode: ExitCode.Unavailable,
      message:
        'the API at http://api did not answer in time; check that it is up (--api or TINYSAVER_API).',
    });
  });

  it('maps an answer that is not JSON to 4', () => {
    expect(classifyError(new SyntaxError('Unexpected token <')).exitCode).toBe(
      ExitCode.Unavailable,
    );
  });

  it('maps usage errors to 2, bad outcomes and anything else to 1', () => {
    expect(classifyError(new UsageError('missing <id>.'))).toEqual({
      exitCode: ExitCode.Usage,
      message: 'missing <id>.',
    });
    expect(classifyError(new OutcomeError('search failed'))).toEqual({
      exitCode: ExitCode.Failed,
      message: 'search failed',
    });
    expect(classifyError(new TypeError('x is not a function')).exitCode).toBe(ExitCode.Failed);
    expect(classifyError('boom')).toEqual({ exitCode: ExitCode.Failed, message: 'boom' });
  });
});
