// Command-line parsing shared by the API commands: the common flags, strict parsing, and value
// parsers that turn bad input into a UsageError (exit 2) saying what to pass. Pure.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './exit-codes';

/** Flags every API command takes. */
export const COMMON_OPTIONS = {
  api: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Options = NonNullable<ParseArgsConfig['options']>;

interface StrictConfig<O extends Options> {
  args: string[];
  options: typeof COMMON_OPTIONS & O;
  allowPositionals: true;
  strict: true;
}

/** What {@link parseCommand} returns: typed values of the common flags and of `O`. */
export type ParsedCommand<O extends Options> = ReturnType<typeof parseArgs<StrictConfig<O>>>;

/** Strict parse of `args` with the common flags plus `options`; positionals are allowed. */
export function parseCommand<O extends Options>(
  args: readonly string[],
  options: O,
): ParsedCommand<O> {
  try {
    const config: StrictConfig<O> = {
      args: [...args],
      options: { ...COMMON_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    };
    return parseArgs(config);
  } catch (error) {
    // parseArgs throws TypeError with code ERR_PARSE_ARGS_* for unknown flags and missing values
    // (read duck-typed: Node's own errors may come from another realm, as under Jest).
    const { message, code } = (error ?? {}) as { message?: unknown; code?: unknown };
    const text = typeof message === 'string' ? message : String(error);
    const unknown = /^Unknown option '([^']*)'/.exec(text);
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
      throw new UsageError(`unknown option '${unknown[1]}'.`);
    }
    throw new UsageError(text.split('\n')[0]);
  }
}

/** Exactly the positionals `names` (e.g. `['<name>']`), or a UsageError naming what is wrong. */
export function expectPositionals(positionals: readonly string[], names: readonly string[]): void {
  if (positionals.length === names.length) return;
  if (positionals.length < names.length) {
    throw new UsageError(`missing ${names.slice(positionals.length).join(' ')}.`);
  }
  throw new UsageError(
    `unexpected argument(s): ${positionals.slice(names.length).join(' ')} (expected ${names.length === 0 ? 'none' : names.join(' ')}).`,
  );
}

/** `a,b,c` → `['a', 'b', 'c']` (trimmed; empty items refused). */
export function parseList(text: string, flag: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) {
    throw new UsageError(
      `${flag} takes a comma-separated list without empty items, got '${text}'.`,
    );
  }
  return items;
}

/** A finite number (`0.5`, `1e-3`). */
export function parseNumber(text: string, flag: string): number {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value)) throw new UsageError(`${flag} takes a number, got '${text}'.`);
  return value;
}

/** `0.01,0.5,1` → numbers. */
export function parseNumberList(text: string, flag: string): number[] {
  return parseList(text, flag).map((item) => {
    const value = Number(item);
    if (!Number.isFinite(value)) {
      throw new UsageError(`${flag} takes comma-separated numbers, got '${text}'.`);
    }
    return value;
  });
}

/** A whole number of at least `min`. */
export function parseInteger(text: string, flag: string, min: number): number {
  const value = /^\s*\d{1,9}\s*$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min)) {
    throw new UsageError(`${flag} takes a whole number of at least ${min}, got '${text}'.`);
  }
  return value;
}
