import { planRecordsTurn, type RecordsJobState } from './records-plan';

const work = (jobId: string, etag: string) => ({ jobId, shard: { etag } });
const submitted = (jobs: [jobId: string, etag: string, state: RecordsJobState][]) => ({
  before: new Map(jobs.map(([id, , state]) => [id, state])),
  shardOf: Object.fromEntries(jobs.map(([id, etag]) => [id, etag])),
});
const actions = (steps: ReturnType<typeof planRecordsTurn>) =>
  steps.map((s) => [s.action, s.work.jobId]);

describe('planRecordsTurn', () => {
  it('looks up every piece of work on the first turn (nothing submitted yet)', () => {
    const steps = planRecordsTurn([work('a', 's0'), work('b', 's1')], submitted([]));
    expect(actions(steps)).toEqual([
      ['look-up', 'a'],
      ['look-up', 'b'],
    ]);
  });

  it('waits for its pending jobs, whatever state they reach after the snapshot', () => {
    // 'a' was active when the turn began; the listing ran while it finished. Re-adding it would
    // compute the shard twice: the next turn's listing sees its records.
    for (const state of ['waiting', 'active', 'delayed', 'prioritized'] as const)
      expect(planRecordsTurn([work('a', 's0')], submitted([['a', 's0', state]]))).toEqual([]);
  });

  it('waits when a listing caught a pending job half-written (subset of its models missing)', () => {
    // Job 'ab' computes models A and B on s0; the listing saw A's record, not yet B's, so the
    // missing work is B alone under another content-derived id.
    const steps = planRecordsTurn([work('b-only', 's0')], submitted([['ab', 's0', 'active']]));
    expect(steps).toEqual([]);
  });

  it('recomputes only records whose job had completed before the listing (deleted since)', () => {
    const steps = planRecordsTurn([work('a', 's0')], submitted([['a', 's0', 'completed']]));
    expect(actions(steps)).toEqual([['recompute', 'a']]);
  });

  it('ends the search on a failure of its own job on that shard, naming the failed job', () => {
    const steps = planRecordsTurn(
      [work('b-only', 's0'), work('c', 's1')],
      submitted([
        ['ab', 's0', 'failed'],
        ['c', 's1', 'active'],
      ]),
    );
    expect(steps).toEqual([{ action: 'fail', work: work('b-only', 's0'), failedJobId: 'ab' }]);
  });

  it('looks up work whose submitted job vanished, or whose shard job finished with other models', () => {
    const steps = planRecordsTurn(
      [work('a', 's0'), work('b2', 's1')],
      submitted([
        ['a', 's0', 'unknown'],
        ['b1', 's1', 'completed'],
      ]),
    );
    expect(actions(steps)).toEqual([
      ['look-up', 'a'],
      ['look-up', 'b2'],
    ]);
  });
});
