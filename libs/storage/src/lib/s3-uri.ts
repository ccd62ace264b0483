import { StorageError, StorageErrorCode } from './storage-error';

/** A bucket and a key prefix (no leading or trailing slash; empty = bucket root). */
export interface S3Location {
  readonly bucket: string;
  readonly prefix: string;
}

/** S3's bucket naming rules (3-63 characters; lower-case letters, digits, '.', '-'). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/**
 * Parses `s3://bucket` or `s3://bucket/some/prefix[/]`. Refuses other schemes, bucket names S3
 * would refuse, and prefixes with empty, `.` or `..` segments (they address surprising keys).
 */
export function parseS3Uri(uri: string): S3Location {
  const fail = (why: string): StorageError =>
    new StorageError(
      StorageErrorCode.InvalidS3Uri,
      `'${uri}' is not a usable S3 URI: ${why}. Write it as s3://bucket/prefix.`,
    );
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(uri.trim());
  if (!match) throw fail('it must start with s3://');
  const [, bucket, rest = ''] = match;
  if (bucket === '') throw fail('the bucket name is missing');
  if (!BUCKET.test(bucket) || bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucket)) {
    throw fail(
      `bucket '${bucket}' breaks S3's naming rules (3-63 lower-case letters, digits, '.' or '-', starting and ending with a letter or digit)`,
    );
  }
  const prefix = rest.replace(/\/+$/, '');
  if (prefix !== '' && prefix.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw fail(`prefix '${prefix}' has an empty, '.' or '..' segment`);
  }
  return { bucket, prefix };
}

/** The key of `name` below `location`'s prefix. */
export function objectKey(location: S3Location, name: string): string {
  if (name === '' || name.startsWith('/') || name.split('/').some((s) => s === '..' || s === '')) {
    throw new StorageError(
      StorageErrorCode.InvalidObjectName,
      `object name '${name}' must be a relative path without empty or '..' segments.`,
    );
  }
  return location.prefix === '' ? name : `${location.prefix}/${name}`;
}

/** `s3://bucket/key` for messages and documents. */
export function formatS3Uri(bucket: string, key = ''): string {
  return key === '' ? `s3://${bucket}` : `s3://${bucket}/${key}`;
}
