import {
  DATASET_MANIFEST_FORMAT,
  DatasetManifestError,
  parseDatasetManifest,
  serializeDatasetManifest,
  validateDatasetManifest,
  type DatasetManifest,
} from './dataset-manifest';
import { WebDatasetErrorCode } from './webdataset-error';

const valid: DatasetManifest = {
  format: DATASET_MANIFEST_FORMAT,
  name: 'fashion-mnist-selection',
  classes: ['T-shirt/top', 'Trouser'],
  samples: 5,
  shards: [
    { file: 'selection-000000.tar.gz', samples: 3, bytes: 1024, sha256: 'a'.repeat(64) },
    { file: 'selection-000001.tar.gz', samples: 2, bytes: 900, sha256: 'b'.repeat(64) },
  ],
};

function problemsOf(value: unknown): readonly string[] {
  try {
    validateDatasetManifest(value);
  } catch (error) {
    expect(error).toBeInstanceOf(DatasetManifestError);
    expect((error as DatasetManifestError).code).toBe(WebDatasetErrorCode.ManifestInvalid);
    return (error as DatasetManifestError).problems;
  }
  return [];
}

describe('dataset manifest', () => {
  it('accepts a valid manifest and serialises it stably (key order, newline)', () => {
    const text = serializeDatasetManifest(valid);
    expect(text.endsWith('}\n')).toBe(true);
    expect(parseDatasetManifest(text)).toEqual(valid);
    const shuffled = JSON.parse(text) as Record<string, unknown>;
    const reordered = {
      shards: shuffled['shards'],
      samples: 5,
      classes: valid.classes,
      name: valid.name,
      format: valid.format,
    };
    expect(serializeDatasetManifest(validateDatasetManifest(reordered))).toBe(text);
  });

  it.each([
    [
      'format',
      { ...valid, format: 'webdataset/2' },
      /format must be 'tinysaver-webdataset\/1', got "webdataset\/2"/,
    ],
    ['name', { ...valid, name: '../x' }, /name must be/],
    ['classes empty', { ...valid, classes: [] }, /classes must be a non-empty array/],
    ['classes duplicate', { ...valid, classes: ['a', 'a'] }, /classes\[1\] 'a' is listed twice/],
    ['classes blank', { ...valid, classes: ['a', ' '] }, /classes\[1\] must be a non-empty string/],
    ['samples', { ...valid, samples: -1 }, /samples must be a non-negative integer, got -1/],
    ['sum', { ...valid, samples: 6 }, /samples is 6 but the shards hold 5/],
    ['unknown field', { ...valid, extra: 1 }, /unknown field 'extra'/],
    ['shards empty', { ...valid, shards: [] }, /shards must be a non-empty array/],
    [
      'shard file',
      { ...valid, shards: [{ ...valid.shards[0], file: '../x.tar' }] },
      /shards\[0\]\.file must be a relative file name/,
    ],
    [
      'shard absolute',
      { ...valid, shards: [{ ...valid.shards[0], file: '/x.tar' }] },
      /shards\[0\]\.file/,
    ],
    [
      'shard twice',
      { ...valid, shards: [valid.shards[0], valid.shards[0]], samples: 6 },
      /shards\[1\]\.file '.*' is listed twice/,
    ],
    [
      'shard samples',
      { ...valid, shards: [{ ...valid.shards[0], samples: 0 }] },
      /shards\[0\]\.samples must be a positive integer/,
    ],
    [
      'shard bytes',
      { ...valid, shards: [{ ...valid.shards[0], bytes: 1.5 }] },
      /shards\[0\]\.bytes must be a non-negative integer, got 1\.5/,
    ],
    [
      'shard sha',
      { ...valid, shards: [{ ...valid.shards[0], sha256: 'A'.repeat(64) }] },
      /shards\[0\]\.sha256 must be 64 lower-case hex digits/,
    ],
    [
      'shard field',
      { ...valid, shards: [{ ...valid.shards[0], etag: 'x' }], samples: 3 },
      /shards\[0\]: unknown field 'etag'/,
    ],
  ])('refuses a bad %s', (_what, value, message) => {
    const problems = problemsOf(value);
    expect(problems.some((p) => message.test(p))).toBe(true);
  });

  it('lists every problem in one error, prefixed with the source', () => {
    expect(() =>
      validateDatasetManifest(
        { format: 'x', name: '', classes: 'a', samples: 'many', shards: {} },
        's3://b/p/manifest.json',
      ),
    ).toThrow(
      /^s3:\/\/b\/p\/manifest\.json is not a valid tinysaver-webdataset\/1 manifest:\n {2}- format[^]*- name[^]*- classes[^]*- samples[^]*- shards/,
    );
    expect(() => validateDatasetManifest([])).toThrow(/must be a JSON object/);
  });

  it('reports JSON syntax errors with the source', () => {
    expect(() => parseDatasetManifest('{"format":', 'data/manifest.json')).toThrow(
      /^data\/manifest\.json is not valid JSON/,
    );
  });
});
