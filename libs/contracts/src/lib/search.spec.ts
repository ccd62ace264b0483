import { resolvePreprocess } from '@tinysaver/cascade';
import { parseJobPayload } from './payloads';
import { aggregateJobId, QueueName, recordsRefsKey, searchCancelledKey } from './queues';
import { recordsNeeded, searchSplits, SearchSpecSchema, type SearchSpec } from './search';

const shard = (id: string, etag: string) => ({
  id,
  object: { bucket: 'farm-data', key: `ds/${id}` },
  etag,
});
const model = (name: string, macs: number) => ({
  name,
  sha256: name.charCodeAt(0).toString(16).padStart(2, '0').repeat(32),
  object: { bucket: 'farm-data', key: `models/${name}.onnx` },
  preprocess: resolvePreprocess({ inputSize: [1, 28, 28] }),
  macs,
  numClasses: 10,
});
const spec: SearchSpec = {
  v: 1,
  id: 's-1',
  tenant: 'acme',
  createdAt: '2026-11-28T00:00:00.000Z',
  request: {
    bases: ['big'],
    savers: 'all-cheaper',
    selection: 'sel',
    evaluation: 'eval',
    budgets: [0.5],
    topK: 5,
    chains: false,
  },
  plan: [{ base: 'big', savers: ['small'] }],
  models: [model('small', 10), model('big', 100)],
  selection: { name: 'sel', numClasses: 10, shards: [shard('s0', '"1"'), shard('s1', '"2"')] },
  evaluation: { name: 'eval', numClasses: 10, shards: [shard('e0', '"3"')] },
};

describe('search spec', () => {
  it('round-trips through its schema (what the worker reads back from S3)', () => {
    expect(SearchSpecSchema.parse(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });

  it('needs one record per model and shard of each split', () => {
    expect(searchSplits(spec).map((d) => d.name)).toEqual(['sel', 'eval']);
    expect(recordsNeeded(spec)).toBe(2 * 3);
  });

  it('counts a dataset used for both splits once', () => {
    const same = { ...spec, evaluation: spec.selection };
    expect(searchSplits(same)).toEqual([spec.selection]);
    expect(recordsNeeded(same)).toBe(2 * 2);
    // Same name, other shards (re-registered between reads) would be two splits.
    const other = { ...spec, evaluation: { ...spec.selection, shards: [shard('s0', '"9"')] } };
    expect(searchSplits(other)).toHaveLength(2);
  });

  it('refuses a spec missing its plan', () => {
    expect(SearchSpecSchema.safeParse({ ...spec, plan: [] }).success).toBe(false);
  });
});

describe('aggregate jobs', () => {
  it('validate their payload like every other queue', () => {
    expect(parseJobPayload(QueueName.Aggregate, { v: 1, tenant: 'acme', searchId: 's-1' })).toEqual(
      { v: 1, tenant: 'acme', searchId: 's-1' },
    );
    expect(() =>
      parseJobPayload(QueueName.Aggregate, { v: 1, tenant: 'a:b', searchId: 's' }),
    ).toThrow(/tenant/);
  });

  it('have one id per search, and Redis keys stay under the queue prefix', () => {
    expect(aggregateJobId('acme', 's-1')).toBe('search.acme.s-1');
    expect(aggregateJobId('acme', 's-1')).not.toContain(':');
    expect(recordsRefsKey('bull', 'records.x')).toMatch(/^bull:/);
    expect(searchCancelledKey('bull', 'search.acme.s-1')).toMatch(/^bull:/);
  });
});
