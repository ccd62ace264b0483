import { formatS3Uri, objectKey, parseS3Uri } from './s3-uri';
import { StorageError, StorageErrorCode } from './storage-error';

describe('parseS3Uri', () => {
  it.each([
    ['s3://bucket', { bucket: 'bucket', prefix: '' }],
    ['s3://bucket/', { bucket: 'bucket', prefix: '' }],
    ['s3://my.bucket-1/datasets/fmnist/', { bucket: 'my.bucket-1', prefix: 'datasets/fmnist' }],
    ['  s3://abc/a/b  ', { bucket: 'abc', prefix: 'a/b' }],
  ])('%s', (uri, location) => {
    expect(parseS3Uri(uri)).toEqual(location);
  });

  it.each([
    ['http://bucket/x', /must start with s3:\/\//],
    ['bucket/x', /must start with s3:\/\//],
    ['s3://', /bucket name is missing/],
    ['s3:///x', /bucket name is missing/],
    ['s3://My_Bucket/x', /bucket 'My_Bucket' breaks S3's naming rules/],
    ['s3://ab', /naming rules/],
    ['s3://a..b', /naming rules/],
    ['s3://192.168.1.1', /naming rules/],
    ['s3://bucket/a//b', /prefix 'a\/\/b' has an empty/],
    ['s3://bucket/../x', /'\.\.'/],
  ])('refuses %s', (uri, message) => {
    let caught: unknown;
    try {
      parseS3Uri(uri);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(StorageError);
    expect((caught as StorageError).code).toBe(StorageErrorCode.InvalidS3Uri);
    expect((caught as StorageError).message).toMatch(message);
    expect((caught as StorageError).message).toMatch(/Write it as s3:\/\/bucket\/prefix/);
  });
});

describe('objectKey and formatS3Uri', () => {
  it('joins prefix and name', () => {
    expect(objectKey({ bucket: 'b', prefix: '' }, 'm.json')).toBe('m.json');
    expect(objectKey({ bucket: 'b', prefix: 'p/q' }, 'x/m.json')).toBe('p/q/x/m.json');
    expect(formatS3Uri('b', 'p/m.json')).toBe('s3://b/p/m.json');
    expect(formatS3Uri('b')).toBe('s3://b');
  });

  it.each(['', '/abs', '../up', 'a//b'])('refuses object name %j', (name) => {
    expect(() => objectKey({ bucket: 'b', prefix: 'p' }, name)).toThrow(
      expect.objectContaining({ code: StorageErrorCode.InvalidObjectName }) as Error,
    );
  });
});
