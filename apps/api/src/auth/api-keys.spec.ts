import { digestKey, parseApiKeys } from './api-keys';

function parse(text: string) {
  const problems: string[] = [];
  const keys = parseApiKeys(text, (p) => problems.push(p));
  return { keys, problems };
}

describe('parseApiKeys', () => {
  it('holds only digests, several keys per tenant allowed', () => {
    const digest = digestKey('zzzzzzzzzzzzzzzzzzzz');
    const { keys, problems } = parse(
      `acme:aaaaaaaaaaaaaaaa, acme:bbbbbbbbbbbbbbbb,globex:sha256:${digest.toUpperCase()}`,
    );
    expect(problems).toEqual([]);
    expect([...keys.values()]).toEqual(['acme', 'acme', 'globex']);
    expect(keys.get(digestKey('aaaaaaaaaaaaaaaa'))).toBe('acme');
    expect(keys.get(digest)).toBe('globex');
    expect([...keys.keys()].join()).not.toContain('aaaaaaaaaaaaaaaa');
  });

  it.each([
    ['', /API_KEYS is not set/],
    ['acme', /entry 1 needs a tenant name/],
    ['Acme:aaaaaaaaaaaaaaaa', /entry 1 needs a tenant name of lower-case/],
    ['acme:short', /entry 1 \(tenant 'acme'\): the key is shorter than 16/],
    ['acme:sha256:xyz', /after 'sha256:' give the key's sha256 as 64 hex digits/],
    [
      'acme:aaaaaaaaaaaaaaaa,globex:aaaaaaaaaaaaaaaa',
      /entry 2: the same key is given to tenants 'acme' and 'globex'/,
    ],
  ])('refuses %j', (text, message) => {
    expect(parse(text).problems).toEqual([expect.stringMatching(message)]);
  });
});
