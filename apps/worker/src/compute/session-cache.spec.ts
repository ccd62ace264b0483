import type { InferenceSession } from 'onnxruntime-node';
import type { ModelFile } from './compute-protocol';
import type { OpenSession } from './ort-session';
import { SessionCache } from './session-cache';

const file = (sha: string, bytes: number): ModelFile => ({
  name: sha,
  sha256: sha,
  path: `/m/${sha}`,
  bytes,
});

function harness(limit: number, fail = new Set<string>()) {
  const opened: string[] = [];
  const released: string[] = [];
  const cache = new SessionCache(limit, (model) => {
    opened.push(model.sha256);
    if (fail.has(model.sha256)) return Promise.reject(new Error('cannot load'));
    const session = { release: () => Promise.resolve(void released.push(model.sha256)) };
    return Promise.resolve({
      session: session as unknown as InferenceSession,
      provider: 'cpu',
    } as OpenSession);
  });
  return { cache, opened, released };
}

describe('SessionCache', () => {
  it('opens each model once while it stays in the cache', async () => {
    const { cache, opened } = harness(100);
    const a = await cache.get(file('a', 10));
    expect(await cache.get(file('a', 10))).toBe(a);
    expect(opened).toEqual(['a']);
  });

  it('closes the least recently used sessions beyond the byte bound', async () => {
    const { cache, opened, released } = harness(100);
    await cache.get(file('a', 40));
    await cache.get(file('b', 40));
    await cache.get(file('a', 40)); // a is now the most recent
    await cache.get(file('c', 40)); // 120 > 100: b goes
    await Promise.resolve();
    expect(released).toEqual(['b']);
    expect(cache.size).toBe(2);
    await cache.get(file('b', 40));
    expect(opened).toEqual(['a', 'b', 'c', 'b']);
  });

  it('keeps the requested model even when it alone exceeds the bound', async () => {
    const { cache, released } = harness(10);
    await cache.get(file('small', 5));
    await cache.get(file('huge', 500));
    await Promise.resolve();
    expect(released).toEqual(['small']);
    expect(cache.size).toBe(1);
  });

  it('does not keep a model that failed to load', async () => {
    const { cache, opened } = harness(100, new Set(['bad']));
    await expect(cache.get(file('bad', 10))).rejects.toThrow('cannot load');
    await expect(cache.get(file('bad', 10))).rejects.toThrow('cannot load');
    expect(opened).toEqual(['bad', 'bad']);
    expect(cache.size).toBe(0);
  });

  it('releases everything on clear', async () => {
    const { cache, released } = harness(100);
    await cache.get(file('a', 10));
    await cache.get(file('b', 10));
    await cache.clear();
    expect(released.sort()).toEqual(['a', 'b']);
    expect(cache.size).toBe(0);
  });
});
