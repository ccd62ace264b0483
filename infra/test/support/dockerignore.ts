/**
 * `.dockerignore` matching as Docker's builder does it (moby/patternmatcher): patterns are
 * relative to the context root, `*` and `?` stay inside one path segment, `**` spans segments,
 * a pattern that matches a folder excludes everything below it, `!` re-includes, and the last
 * matching pattern decides. Character classes are not supported (the file uses none): a pattern
 * with `[` throws instead of matching wrongly.
 */

interface Rule {
  readonly source: string;
  readonly negated: boolean;
  readonly regex: RegExp;
}

export class DockerIgnore {
  private readonly rules: readonly Rule[];

  constructor(text: string) {
    this.rules = text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => {
        const negated = line.startsWith('!');
        const pattern = clean(negated ? line.slice(1).trim() : line);
        return { source: line, negated, regex: toRegex(pattern) };
      });
  }

  /** Whether `path` (relative to the context root, `/`-separated) is left out of the context. */
  excludes(path: string): boolean {
    const target = clean(path);
    const parents = target.split('/').map((_, i, parts) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of this.rules)
      if (parents.some((p) => rule.regex.test(p))) excluded = !rule.negated;
    return excluded;
  }
}

/** Like Go's filepath.Clean on a relative path, with the leading `/` Docker strips. */
function clean(path: string): string {
  const parts: string[] = [];
  for (const part of path.replace(/^\/+/, '').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return parts.join('/') || '.';
}

function toRegex(pattern: string): RegExp {
  if (pattern.includes('['))
    throw new Error(`character classes are not supported here: ${pattern}`);
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*' && pattern[i + 1] === '*') {
      i++;
      if (pattern[i + 1] === '/') i++;
      // `**` at the end takes everything; elsewhere any number of folders, none included.
      source += i + 1 === pattern.length ? '.*' : '(?:.*/)?';
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) source += escape(pattern[++i]);
    else source += escape(c);
  }
  return new RegExp(`^${source}$`);
}

const escape = (c: string) => c.replace(/[.+^${}()|\\/]/g, '\\$&');
