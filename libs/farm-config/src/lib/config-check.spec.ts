import { checkConfig, variablesRead } from './config-check';
import { EnvReader, type Env } from './env-reader';

function readDemo(env: Env) {
  const read = new EnvReader(env, 'demo');
  const port = read.int('PORT', 80, 1, 65_535);
  // A direct read, as a parser of a structured variable would do.
  const keys = env.KEYS ?? '';
  if (!keys) read.problem('KEYS is not set; give at least one key.');
  return read.done({ port, keys });
}

describe('variablesRead', () => {
  it('names every variable the reader asks for, set or not, also when the config is invalid', () => {
    expect(variablesRead(readDemo, {})).toEqual(['KEYS', 'PORT']);
    expect(variablesRead(readDemo, { PORT: 'x', KEYS: 'k', OTHER: '1' })).toEqual(['KEYS', 'PORT']);
  });
});

describe('checkConfig', () => {
  it('answers ok with the variables, as one JSON line', () => {
    const check = checkConfig('demo', readDemo, { KEYS: 'k' });
    expect(check.exitCode).toBe(0);
    expect(check.stdout.endsWith('\n')).toBe(true);
    expect(JSON.parse(check.stdout)).toEqual({
      app: 'demo',
      ok: true,
      variables: ['KEYS', 'PORT'],
    });
  });

  it('exits 2 naming every problem', () => {
    const check = checkConfig('demo', readDemo, { PORT: '0' });
    expect(check.exitCode).toBe(2);
    expect(JSON.parse(check.stdout)).toMatchObject({
      ok: false,
      problems: [expect.stringMatching(/^PORT='0'/), expect.stringMatching(/^KEYS is not set/)],
    });
    expect(check.stderr).toMatch(/demo configuration is invalid:\n {2}- PORT='0'/);
  });
});
