import fc from 'fast-check';
import {
  escapeHtml,
  html,
  inlineScript,
  inlineStyle,
  jsonForScript,
  jsonScript,
  SafeHtml,
} from './html';

describe('escapeHtml', () => {
  it('escapes the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
    expect(escapeHtml('plain – ΔC τ')).toBe('plain – ΔC τ');
  });
});

describe('html', () => {
  it('escapes what it interpolates, and only that', () => {
    const name = '<script>alert(1)</script>';
    expect(html`<td title="${name}">${name}</td>`.value).toBe(
      '<td title="&lt;script&gt;alert(1)&lt;/script&gt;">&lt;script&gt;alert(1)&lt;/script&gt;</td>',
    );
  });

  it('keeps SafeHtml, joins arrays, prints numbers and leaves out null, undefined and false', () => {
    const inner = html`<b>${'x&y'}</b>`;
    expect(inner).toBeInstanceOf(SafeHtml);
    expect(html`${inner}|${[inner, '<', 3]}|${null}${undefined}${false}|${0}`.value).toBe(
      '<b>x&amp;y</b>|<b>x&amp;y</b>&lt;3||0',
    );
  });

  it('refuses values that have no text form of their own', () => {
    expect(() => html`${{ a: 1 }}`).toThrow(/cannot interpolate a object/);
  });
});

describe('jsonForScript', () => {
  it('writes no <, > or & and no line separators, and parses back to the same value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), (value, text) => {
        for (const v of [value, { text, tail: `</script><!--${text}` }]) {
          const json = jsonForScript(v);
          expect(json).not.toMatch(/[<>&\u2028\u2029]/);
          expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(v)));
        }
      }),
      { numRuns: 300 },
    );
  });

  it('makes a data block that no string inside can close', () => {
    const block = jsonScript('data', { name: '</script><script>alert(1)</script>' }).value;
    expect(block.match(/<\/script/gi)).toHaveLength(1);
    expect(block.endsWith('</script>')).toBe(true);
    const body = block.slice(block.indexOf('>') + 1, -'</script>'.length);
    expect(JSON.parse(body)).toEqual({ name: '</script><script>alert(1)</script>' });
  });
});

describe('inlineScript and inlineStyle', () => {
  it('neutralise closing tags and comment openers without changing what the code does', () => {
    const source =
      "return ['</SCRIPT>', '<!-- x', /<!--/u.test('<!--'), /<\\/script>/i.test('</script>'), `</script>`];";
    const element = inlineScript(source).value;
    expect(element.match(/<\/script/gi)).toHaveLength(1);
    expect(element).not.toContain('<!--');
    const inner = element.slice('<script>'.length, -'</script>'.length);
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const run = (code: string) => (new Function(code) as () => unknown)();
    expect(run(inner)).toEqual(run(source));
    expect(run(inner)).toEqual(['</SCRIPT>', '<!-- x', true, true, '</script>']);
  });

  it('keep a style element to its end', () => {
    const element = inlineStyle('a::after { content: "</style><script>x</script>"; }').value;
    expect(element.match(/<\/style/gi)).toHaveLength(1);
    expect(element.startsWith('<style>')).toBe(true);
  });
});
