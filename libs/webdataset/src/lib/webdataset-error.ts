import { CodedError } from '@tinysaver/errors';

/**
 * Every way a shard, a sample or a dataset manifest can be wrong. The codes are stable and
 * machine-readable (the worker and API surface them as-is); each message names the shard, the
 * member and the fix. An error that is *not* a WebDatasetError while reading a shard came from
 * the byte source (disk, network) and may be worth a retry; a WebDatasetError never is.
 */
export const WebDatasetErrorCode = {
  /** The input ends inside a member, a header, the gzip stream, or before the end-of-archive blocks. */
  TarTruncated: 'tar-truncated',
  /** The input (after gunzip) does not start with a tar header: another kind of file. */
  NotTar: 'not-tar',
  /** A header checksum is wrong or the gzip stream is damaged. */
  TarCorrupt: 'tar-corrupt',
  /** The input has no bytes at all. */
  ShardEmpty: 'shard-empty',
  /** A link, device, fifo or unknown entry type: shards hold plain files only. */
  UnsupportedMember: 'unsupported-member',
  /** A member name has no `<key>.<ext>` shape (no dot in its basename, empty key, `..`). */
  InvalidMemberName: 'invalid-member-name',
  /**
   * Writer only: an extension other than the images (png, jpg, jpeg, webp) and `cls`. The reader
   * skips such members, as shards written by Python webdataset users often carry them.
   */
  UnknownExtension: 'unknown-extension',
  /** The same `<key>.<ext>` twice in one sample. */
  DuplicateMember: 'duplicate-member',
  /** A key seen again after other samples (members of a sample must be consecutive). */
  DuplicateKey: 'duplicate-key',
  /** A sample without a `.cls` member. */
  MissingLabel: 'missing-label',
  /** A `.cls` that is not a non-negative decimal integer. */
  InvalidLabel: 'invalid-label',
  /** A `.cls` at or beyond the number of classes the caller expects. */
  LabelOutOfRange: 'label-out-of-range',
  /** A sample with no image member. */
  MissingImage: 'missing-image',
  /** A sample with more than one image member. */
  MultipleImages: 'multiple-images',
  /** A key the writer refuses (a dot in its basename, empty segments, non-ASCII, ...). */
  InvalidKey: 'invalid-key',
  /** The writer was given keys out of ascending order (output must be deterministic). */
  KeyOrder: 'key-order',
  /** The writer was used after `end()`. */
  WriterClosed: 'writer-closed',
  /** A dataset manifest that does not follow `tinysaver-webdataset/1`. */
  ManifestInvalid: 'manifest-invalid',
} as const;

export type WebDatasetErrorCode = (typeof WebDatasetErrorCode)[keyof typeof WebDatasetErrorCode];

/** Raised for shard or manifest content that cannot be used; `code` is one of {@link WebDatasetErrorCode}. */
export class WebDatasetError extends CodedError<WebDatasetErrorCode> {
  override readonly name = 'WebDatasetError';
}
