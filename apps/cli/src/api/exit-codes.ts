// The exit codes scripts can rely on, and the one function that maps a failure to one of them.
import { FarmApiError } from '@tinysaver/client';

export const ExitCode = {
  /** Done as asked. */
  Ok: 0,
  /** The thing asked for ended badly: search failed or cancelled, model invalid. */
  Failed: 1,
  /** Bad command line: unknown flag, missing argument, no API key, unreadable --file. */
  Usage: 2,
  /** The API refused the request (4xx): its code and message are printed. */
  Refused: 3,
  /** The API (or S3 behind a presigned URL) is unavailable: 5xx, connection refused, timeout. */
  Unavailable: 4,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A bad command line (exit 2); the message says what to pass instead. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** What was asked for ended badly (exit 1), e.g. the search failed; the message says how. */
export class OutcomeError extends Error {
  override readonly name = 'OutcomeError';
}

/** Node's fetch wraps socket failures in `TypeError: fetch failed` with the cause's code. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function causeCode(error: unknown): string | undefined {
  let cause: unknown = (error as { cause?: unknown } | null)?.cause;
  // AggregateError (several addresses tried) keeps the codes on its members.
  for (let depth = 0; cause !== undefined && cause !== null && depth < 3; depth += 1) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const errors = (cause as { errors?: unknown[] }).errors;
    cause = Array.isArray(errors) && errors.length > 0 ? errors[0] : (cause as Error).cause;
  }
  return undefined;
}

/** A failure as the CLI reports it: the exit code and one line for stderr. */
export interface Classified {
  readonly exitCode: ExitCode;
  readonly message: string;
}

/**
 * Maps anything a command can throw to its exit code and a one-line explanation. `api` is the
 * base URL the command talked to, named when it cannot be reached.
 */
export function classifyError(error: unknown, api?: string): Classified {
  if (error instanceof UsageError) return { exitCode: ExitCode.Usage, message: error.message };
  if (error instanceof OutcomeError) return { exitCode: ExitCode.Failed, message: error.message };
  if (error instanceof FarmApiError) {
    const what = `(${error.status} ${error.code}): ${error.message}`;
    return error.status >= 500
      ? { exitCode: ExitCode.Unavailable, message: `the API is unavailable ${what}` }
      : { exitCode: ExitCode.Refused, message: `the API refused the request ${what}` };
  }
  const name = (error as { name?: unknown } | null)?.name;
  const where = api === undefined ? 'the API' : `the API at ${api}`;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return {
      exitCode: ExitCode.Unavailable,
      message: `${where} did not answer in time; check that it is up (--api or TINYSAVER_API).`,
    };
  }
  const code = causeCode(error);
  const text = (error as { message?: unknown } | null)?.message;
  const message = typeof text === 'string' ? text : String(error);
  // Errors are read by name, not instanceof: fetch's come from Node's realm, which is not the
  // caller's under Jest. `fetch failed` is a transport failure even without a socket code (a bad
  // TLS peer, a port fetch refuses to use): name the cause's code, or its message.
  if (
    name === 'TypeError' &&
    (message === 'fetch failed' || (code !== undefined && NETWORK_CODES.has(code)))
  ) {
    const causeText = (error as { cause?: { message?: unknown } }).cause?.message;
    const cause = code ?? (typeof causeText === 'string' ? causeText : undefined);
    return {
      exitCode: ExitCode.Unavailable,
      message: `cannot reach ${where}${cause ? ` (${cause})` : ''}; check that it is running and that --api or TINYSAVER_API points at it.`,
    };
  }
  if (name === 'SyntaxError') {
    return {
      exitCode: ExitCode.Unavailable,
      message: `${where} answered something that is not JSON (a proxy's page?): ${message}`,
    };
  }
  return { exitCode: ExitCode.Failed, message };
}

/** The exit codes as `--help` lists them. */
export const USAGE_EXIT_CODES = `Exit codes:
  0  done as asked
  1  what was asked for ended badly: the search failed or was cancelled, the model is invalid
  2  bad command line (unknown flag, missing argument, no API key, unreadable --file)
  3  the API refused the request (4xx); its code and message are printed
  4  the API is unavailable (5xx, connection refused, timeout)`;
