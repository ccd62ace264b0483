// HTML built by construction: every interpolated value is escaped unless it is already SafeHtml,
// so a model or dataset name can never become markup.

/** Markup that is already safe to insert (built by `html` or one of the raw-text helpers). */
export class SafeHtml {
  constructor(readonly value: string) {}

  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text as HTML: safe in element content and in quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** An interpolated value: SafeHtml as it is, arrays joined, nothing for null/undefined/false. */
function piece(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(piece).join('');
  if (value === null || value === undefined || value === false) return '';
  if (typeof value === 'string') return escapeHtml(value);
  if (typeof value === 'number' || typeof value === 'boolean') return escapeHtml(String(value));
  throw new TypeError(`html: cannot interpolate a ${typeof value}; format it as text first.`);
}

/** Tagged template: `html\`<td>${name}</td>\`` escapes `name`. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += piece(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

const JSON_UNSAFE: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/**
 * JSON for a `<script type="application/json">` block: `<`, `>` and `&` written as \u escapes, so
 * no `</script>` or `<!--` inside a string can end or change the block; JSON.parse reads it back.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => JSON_UNSAFE[c]);
}

/** The data block: `<script type="application/json" id="…">`, parsed by the page's own script. */
export function jsonScript(id: string, value: unknown): SafeHtml {
  return new SafeHtml(
    `<script type="application/json" id="${escapeHtml(id)}">${jsonForScript(value)}</script>`,
  );
}

/**
 * Trusted JavaScript (the bundled chart library, the page's script) as an inline `<script>`. A
 * literal `</script` would end the element and `<!--` would change how it is parsed; both are
 * rewritten to escapes that mean the same inside JS strings, template literals and regexes
 * (`\/` and `\x21`), which is where minified code has them.
 */
export function inlineScript(source: string): SafeHtml {
  const text = source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\x21--');
  return new SafeHtml(`<script>${text}</script>`);
}

/** Trusted CSS as an inline `<style>` (a literal `</style` could end it early). */
export function inlineStyle(css: string): SafeHtml {
  return new SafeHtml(`<style>${css.replace(/<\/(style)/gi, '<\\/$1')}</style>`);
}
