/**
 * A small Dockerfile reader for the tests: logical lines (continuations joined, comments
 * dropped), stages, and the arguments of the instructions the images use. It covers the
 * subset infra/docker uses and throws on forms it does not understand rather than guessing.
 */

export interface Instruction {
  /** Upper-cased keyword: FROM, COPY, RUN, … */
  readonly keyword: string;
  /** Everything after the keyword, continuations joined with a space. */
  readonly args: string;
  /** 1-based line of the keyword. */
  readonly line: number;
}

export interface Stage {
  readonly index: number;
  /** The `AS` name, lower-cased as BuildKit treats it. */
  readonly name: string | undefined;
  /** The FROM reference: an image or an earlier stage's name. */
  readonly from: string;
  readonly instructions: readonly Instruction[];
}

export interface Dockerfile {
  readonly stages: readonly Stage[];
  /** Instructions before the first FROM (ARG only, in a valid file). */
  readonly preamble: readonly Instruction[];
}

export function parseDockerfile(text: string): Dockerfile {
  const instructions = logicalLines(text);
  const stages: (Stage & { instructions: Instruction[] })[] = [];
  const preamble: Instruction[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const { rest } = splitFlags(instruction.args);
      const words = rest.split(/\s+/);
      const named = words.length === 3 && words[1].toUpperCase() === 'AS';
      if (words.length !== 1 && !named)
        throw new Error(`line ${instruction.line}: cannot read FROM ${instruction.args}`);
      stages.push({
        index: stages.length,
        name: named ? words[2].toLowerCase() : undefined,
        from: words[0],
        instructions: [],
      });
    } else if (stages.length === 0) preamble.push(instruction);
    else stages[stages.length - 1].instructions.push(instruction);
  }
  return { stages, preamble };
}

function logicalLines(text: string): Instruction[] {
  const result: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    const trimmed = raw.trim();
    // Comment lines are dropped, also inside a continued instruction (as Docker does).
    if (trimmed.startsWith('#')) return;
    if (trimmed === '' && pending === undefined) return;
    const continued = trimmed.endsWith('\\');
    const body = continued ? trimmed.slice(0, -1).trim() : trimmed;
    pending = pending
      ? { text: `${pending.text} ${body}`.trim(), line: pending.line }
      : { text: body, line: i + 1 };
    if (continued) return;
    const match = /^(\S+)\s*(.*)$/s.exec(pending.text);
    if (match) result.push({ keyword: match[1].toUpperCase(), args: match[2], line: pending.line });
    pending = undefined;
  });
  if (pending) throw new Error(`line ${pending.line}: the file ends inside a continued line`);
  return result;
}

/** Leading `--name=value` (or bare `--name`) flags, and what follows them. */
export function splitFlags(args: string): { flags: Map<string, string>; rest: string } {
  const flags = new Map<string, string>();
  let rest = args.trim();
  for (;;) {
    const match = /^--([a-z-]+)(?:=(\S*))?(?:\s+|$)/.exec(rest);
    if (!match) return { flags, rest };
    flags.set(match[1], match[2] ?? '');
    rest = rest.slice(match[0].length);
  }
}

/** The JSON (exec) form of CMD, ENTRYPOINT, RUN or HEALTHCHECK CMD; undefined for shell form. */
export function execForm(args: string): string[] | undefined {
  const trimmed = args.trim();
  if (!trimmed.startsWith('[')) return undefined;
  const parsed = JSON.parse(trimmed) as unknown;
  const isStrings = (v: unknown): v is string[] =>
    Array.isArray(v) && v.every((p) => typeof p === 'string');
  if (!isStrings(parsed)) throw new Error(`not a JSON array of strings: ${trimmed}`);
  return parsed;
}

export interface Copy {
  readonly instruction: Instruction;
  /** `--from` value: a stage name, a stage index or an image; undefined = the build context. */
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly destination: string;
}

export function readCopy(instruction: Instruction): Copy {
  const { flags, rest } = splitFlags(instruction.args);
  const words = execForm(rest) ?? rest.split(/\s+/);
  if (words.length < 2) throw new Error(`line ${instruction.line}: COPY needs a source and a dest`);
  return {
    instruction,
    from: flags.get('from'),
    sources: words.slice(0, -1),
    destination: words[words.length - 1],
  };
}

/** `ENV a=1 b="two words"`: the pairs in order. The legacy `ENV a 1` form is refused. */
export function readEnv(instruction: Instruction): [string, string][] {
  const pairs: [string, string][] = [];
  for (const word of shellWords(instruction.args)) {
    const eq = word.indexOf('=');
    if (eq <= 0)
      throw new Error(`line ${instruction.line}: write ENV as name=value (found '${word}')`);
    pairs.push([word.slice(0, eq), word.slice(eq + 1)]);
  }
  return pairs;
}

/** Words split on unquoted whitespace; quotes removed, backslash escapes honoured. */
function shellWords(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  let started = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && quote !== "'" && i + 1 < text.length) {
      word += text[++i];
      started = true;
    } else if (quote) {
      if (c === quote) quote = undefined;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      started = true;
    } else if (/\s/.test(c)) {
      if (started) words.push(word);
      word = '';
      started = false;
    } else {
      word += c;
      started = true;
    }
  }
  if (quote) throw new Error(`unclosed quote in: ${text}`);
  if (started) words.push(word);
  return words;
}

/** Every ENV of a stage and the stages it is built FROM, later values winning. */
export function stageEnv(file: Dockerfile, stage: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const s of lineage(file, stage))
    for (const i of s.instructions)
      if (i.keyword === 'ENV') for (const [k, v] of readEnv(i)) env.set(k, v);
  return env;
}

/** The stage, preceded by the earlier stages it is built FROM (oldest first). */
export function lineage(file: Dockerfile, stage: Stage): Stage[] {
  const parent = findStage(file, stage.from, stage.index);
  return parent ? [...lineage(file, parent), stage] : [stage];
}

/** The stage a FROM or `COPY --from` names, if it names one defined before `before`. */
export function findStage(file: Dockerfile, reference: string, before: number): Stage | undefined {
  const byIndex = /^\d+$/.test(reference) ? Number(reference) : undefined;
  return file.stages.find(
    (s) =>
      s.index < before &&
      (byIndex === undefined ? s.name === reference.toLowerCase() : s.index === byIndex),
  );
}

export const finalStage = (file: Dockerfile): Stage => file.stages[file.stages.length - 1];

export const instructionsOf = (stage: Stage, keyword: string): Instruction[] =>
  stage.instructions.filter((i) => i.keyword === keyword);
