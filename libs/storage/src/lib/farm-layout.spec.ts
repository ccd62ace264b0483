import { FarmLayout, recordsJobId } from './farm-layout';

describe('FarmLayout', () => {
  const content = { modelSha256: 'a'.repeat(64), preprocess: '{"x":1}', shardEtag: '"abc"' };

  it('keys a record by its content only, under the root prefix', () => {
    const key = new FarmLayout('/farm/prod/').recordKey(content);
    expect(key).toMatch(/^farm\/prod\/records\/v1\/a{64}\/[0-9a-f]{16}\/[0-9a-f]{32}\.tsrec$/);
    expect(new FarmLayout('farm/prod').recordKey(content)).toBe(key);
    expect(new FarmLayout('').recordKey(content)).toBe(key.slice('farm/prod/'.length));
  });

  it('changes the key when any part of the content changes', () => {
    const layout = new FarmLayout('p');
    const base = layout.recordKey(content);
    expect(layout.recordKey({ ...content, modelSha256: 'b'.repeat(64) })).not.toBe(base);
    expect(layout.recordKey({ ...content, preprocess: '{"x":2}' })).not.toBe(base);
    expect(layout.recordKey({ ...content, shardEtag: '"abd"' })).not.toBe(base);
  });

  it('puts user documents below their tenant', () => {
    const layout = new FarmLayout('p');
    expect(layout.modelDocumentKey('acme', 'resnet')).toBe(
      'p/tenants/acme/models/resnet/model.json',
    );
    expect(layout.modelsPrefix('acme')).toBe('p/tenants/acme/models/');
    expect(layout.modelUploadKey('acme', 'r')).toBe('p/tenants/acme/uploads/models/r.onnx');
    expect(layout.datasetDocumentKey('acme', 'val')).toBe(
      'p/tenants/acme/datasets/val/dataset.json',
    );
    expect(layout.modelProfileKey('acme', 'resnet')).toBe(
      'p/tenants/acme/models/resnet/profile.json',
    );
    expect(layout.cascadeShardKey('acme', 'run-1', 'shard-0.tar')).toMatch(
      /^p\/tenants\/acme\/cascade-runs\/run-1\/shards\/[0-9a-f]{32}\.json$/,
    );
  });

  it('puts searches and cascade runs below their tenant, live markers in one place', () => {
    const layout = new FarmLayout('p');
    expect(layout.searchKey('acme', 's-1', 'search')).toBe(
      'p/tenants/acme/searches/s-1/search.json',
    );
    expect(layout.searchKey('acme', 's-1', 'results')).toBe(
      'p/tenants/acme/searches/s-1/results.json',
    );
    expect(layout.searchesPrefix('acme')).toBe('p/tenants/acme/searches/');
    expect(layout.liveSearchKey('acme', 's-1')).toBe('p/live-searches/acme/s-1');
    expect(layout.liveSearchKey('acme', 's-1').startsWith(layout.liveSearchesPrefix())).toBe(true);
    expect(layout.cascadeRunKey('acme', 'c-1', 'run')).toBe(
      'p/tenants/acme/cascade-runs/c-1/run.json',
    );
    expect(
      layout
        .cascadeShardKey('acme', 'c-1', 'x.tar')
        .startsWith(layout.cascadeShardsPrefix('acme', 'c-1')),
    ).toBe(true);
  });

  it('lists a model file’s records under one folder per preprocessing', () => {
    const layout = new FarmLayout('p');
    const folder = layout.recordFolder(content.modelSha256, content.preprocess);
    expect(layout.recordKey(content).startsWith(folder)).toBe(true);
    expect(folder.endsWith('/')).toBe(true);
    expect(layout.recordFolder(content.modelSha256, '{"x":2}')).not.toBe(folder);
  });
});

describe('recordsJobId', () => {
  const a = { sha256: 'a'.repeat(64), preprocess: 'p1' };
  const b = { sha256: 'b'.repeat(64), preprocess: 'p1' };

  it('depends on the shard and the set of models, not their order', () => {
    expect(recordsJobId('"e1"', [a, b])).toBe(recordsJobId('"e1"', [b, a]));
    expect(recordsJobId('"e1"', [a, b])).not.toBe(recordsJobId('"e2"', [a, b]));
    expect(recordsJobId('"e1"', [a, b])).not.toBe(recordsJobId('"e1"', [a]));
    expect(recordsJobId('"e1"', [a])).not.toBe(recordsJobId('"e1"', [{ ...a, preprocess: 'p2' }]));
  });

  it('is a valid BullMQ job id (no colon)', () => {
    expect(recordsJobId('"e:1"', [a])).toMatch(/^records\.[0-9a-f]{40}$/);
  });
});
