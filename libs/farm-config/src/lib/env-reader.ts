/** The environment as a plain record: apps pass `process.env` once, from main. */
export type Env = Readonly<Record<string, string | undefined>>;

/** A whole configuration's problems, one line per bad variable, each naming the fix. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly app: string,
    readonly problems: readonly string[],
  ) {
    super(`${app} configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Reads variables and collects every problem instead of failing on the first, so one start
 * tells an operator everything that is wrong. Call `done()` at the end.
 */
export class EnvReader {
  private readonly problems: string[] = [];

  constructor(
    private readonly env: Env,
    private readonly app: string,
  ) {}

  /** Trimmed text, or `fallback` when unset or blank. */
  text(name: string, fallback: string): string {
    return (this.env[name] ?? '').trim() || fallback;
  }

  /** An integer in [min, max], or `fallback` when unset or blank. */
  int(name: string, fallback: number, min: number, max: number): number {
    const raw = (this.env[name] ?? '').trim();
    if (raw === '') return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      this.problem(`${name}='${raw}' must be an integer from ${min} to ${max}.`);
      return fallback;
    }
    return value;
  }

  /** true/false (also 1/0, yes/no, on/off, any case), or `fallback` when unset or blank. */
  flag(name: string, fallback: boolean): boolean {
    const raw = (this.env[name] ?? '').trim().toLowerCase();
    if (raw === '') return fallback;
    if (['true', '1', 'yes', 'on'].includes(raw)) return true;
    if (['false', '0', 'no', 'off'].includes(raw)) return false;
    this.problem(`${name}='${raw}' must be true or false.`);
    return fallback;
  }

  /** Comma-separated, trimmed, empty items dropped. */
  list(name: string, fallback: string): string[] {
    return this.text(name, fallback)
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  }

  problem(line: string): void {
    this.problems.push(line);
  }

  /** Throws {@link ConfigError} listing every problem; otherwise returns `config` frozen. */
  done<T extends object>(config: T): Readonly<T> {
    if (this.problems.length) throw new ConfigError(this.app, this.problems);
    return Object.freeze(config);
  }
}
