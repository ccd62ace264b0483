// Where the API is and which key to send: flags first, then the environment, read once per run.
import { UsageError } from './exit-codes';

export const DEFAULT_API = 'http://127.0.0.1:8080';

/** The only environment variables the API commands read. */
export interface ConnectionEnv {
  readonly TINYSAVER_API?: string;
  readonly TINYSAVER_KEY?: string;
}

export interface Connection {
  /** Base URL without a trailing slash. */
  readonly api: string;
  readonly key: string;
}

/**
 * `--api URL` or `TINYSAVER_API` (default {@link DEFAULT_API}); `--key KEY` or `TINYSAVER_KEY`
 * (required). Throws a {@link UsageError} naming both ways when the key is missing.
 */
export function readConnection(
  flags: { readonly api?: string; readonly key?: string },
  env: ConnectionEnv,
): Connection {
  const api = (flags.api ?? '').trim() || (env.TINYSAVER_API ?? '').trim() || DEFAULT_API;
  let url: URL;
  try {
    url = new URL(api);
  } catch {
    throw new UsageError(
      `'${api}' is not a URL; pass the API's base URL with --api or TINYSAVER_API, e.g. ${DEFAULT_API}.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      `'${api}' is not an http(s) URL; pass the API's base URL with --api or TINYSAVER_API, e.g. ${DEFAULT_API}.`,
    );
  }
  const key = (flags.key ?? '').trim() || (env.TINYSAVER_KEY ?? '').trim();
  if (key === '') {
    throw new UsageError(
      "no API key: pass --key KEY or set TINYSAVER_KEY (your tenant's key from the farm's API_KEYS).",
    );
  }
  return { api: api.replace(/\/+$/, ''), key };
}
