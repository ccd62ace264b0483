import { sampleKeyProblem, splitMemberName } from './sample-key';

describe('splitMemberName', () => {
  it.each([
    ['a.png', 'a', 'png'],
    ['./a.png', 'a', 'png'],
    ['././dir/a.PNG', 'dir/a', 'png'],
    ['dir.v2/a.b.png', 'dir.v2/a', 'b.png'],
    ['x/y/z.cls', 'x/y/z', 'cls'],
  ])('%s -> key %s, extension %s', (name, key, extension) => {
    expect(splitMemberName(name)).toEqual({ key, extension });
  });

  it.each(['a', 'a.', '.a', 'dir/.a', '/abs/a.png', '../a.png', 'a//b.png', './', 'a/./b.png'])(
    'refuses %s',
    (name) => {
      expect(splitMemberName(name)).toBeUndefined();
    },
  );
});

describe('sampleKeyProblem', () => {
  it('accepts plain and nested keys', () => {
    for (const key of ['000001', 'a_b-C', 'train/n0144', 'v1.2/x'])
      expect(sampleKeyProblem(key)).toBeUndefined();
  });

  it('explains why a key cannot be written', () => {
    expect(sampleKeyProblem('')).toBe('it is empty');
    expect(sampleKeyProblem('img.1')).toMatch(/basename contains a dot/);
    expect(sampleKeyProblem('a b')).toMatch(/ASCII letters/);
    expect(sampleKeyProblem('../x')).toMatch(/ASCII letters/);
  });
});
