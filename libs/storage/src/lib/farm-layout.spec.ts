import { FarmLayout } from './farm-layout';

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
});
