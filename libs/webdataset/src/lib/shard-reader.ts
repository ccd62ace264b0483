import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { checkSample, isSampleExtension, type ShardSample } from './labelled-sample';
import { splitMemberName } from './sample-key';
import { WebDatasetError, WebDatasetErrorCode } from './webdataset-error';

export interface ReadShardOptions {
  /** Shard name (file name or S3 key) used in every error message. */
  readonly shard: string;
  /** When set, `.cls` values must be below it (the manifest's class count). */
  readonly classCount?: number;
}

const BLOCK = 512;
const GZIP_MAGIC = [0x1f, 0x8b] as const;

/**
 * Reads a WebDataset shard (`.tar` or `.tar.gz`, told apart by the gzip magic bytes) from any
 * byte source — a file stream, an S3 body — and yields one checked sample per key: exactly one
 * image, a valid `.cls`, members of a sample consecutive. Members with other extensions
 * (`.json`, `.txt`, ... that Python webdataset users add) and directory entries are skipped; GNU
 * long names, pax headers and `./` prefixes are understood.
 *
 * Content problems throw {@link WebDatasetError}. Errors of the source itself (ENOENT, a reset
 * connection) are rethrown unchanged so callers can retry them.
 */
export async function* readShard(
  source: AsyncIterable<Uint8Array | string>,
  options: ReadShardOptions,
): AsyncGenerator<ShardSample, void, undefined> {
  const { shard } = options;
  let sourceError: unknown;
  const iterator = source[Symbol.asyncIterator]();
  const next = async (): Promise<IteratorResult<Uint8Array | string>> => {
    try {
      return await iterator.next();
    } catch (error) {
      sourceError = error;
      throw error;
    }
  };

  // Peek at the first two bytes to choose between tar and tar.gz.
  const head: Buffer[] = [];
  let headLength = 0;
  while (headLength < GZIP_MAGIC.length) {
    const result = await next();
    if (result.done) break;
    const chunk = toBuffer(result.value);
    head.push(chunk);
    headLength += chunk.length;
  }
  if (headLength === 0) {
    throw new WebDatasetError(
      WebDatasetErrorCode.ShardEmpty,
      `shard '${shard}' is empty (0 bytes); re-upload it or remove it from the manifest.`,
    );
  }
  const first = Buffer.concat(head);
  const gzipped = first[0] === GZIP_MAGIC[0] && first[1] === GZIP_MAGIC[1];

  async function* rest(): AsyncGenerator<Buffer> {
    try {
      yield first;
      for (;;) {
        const result = await next();
        if (result.done) return;
        yield toBuffer(result.value);
      }
    } finally {
      await iterator.return?.();
    }
  }
  const raw = Readable.from(rest(), { objectMode: false });
  // Errors surface through the returned stream; the callback has nothing to add.
  const tarBytes: Readable = gzipped ? pipeline(raw, createGunzip(), () => undefined) : raw;

  const extract = tar.extract();
  let tarLength = 0;
  // The first 512 bytes of the tar stream: what tells "not a tar" from "a tar cut short".
  let firstBlock = Buffer.alloc(0);
  const feeding = feed(tarBytes, extract, (chunk) => {
    tarLength += chunk.length;
    if (firstBlock.length < BLOCK) {
      firstBlock = Buffer.concat([firstBlock, chunk.subarray(0, BLOCK - firstBlock.length)]);
    }
  });
  let entries = 0;

  const seen = new Set<string>();
  let current: { key: string; files: Map<string, Uint8Array>; firstMember: string } | undefined;
  let archiveEnd = 0;
  let finished = false;
  try {
    try {
      for await (const entry of extract) {
        entries++;
        const { header } = entry;
        const member = header.name;
        const type = header.type as string | null;
        if (type === 'directory') {
          entry.resume();
          continue;
        }
        if (type !== 'file' && type !== 'contiguous-file') {
          entry.resume();
          throw new WebDatasetError(
            WebDatasetErrorCode.UnsupportedMember,
            `shard '${shard}': member '${member}' is a ${type ?? 'entry of unknown type'}; shards hold plain files only (re-create the tar without links or special files).`,
          );
        }
        archiveEnd = entry.offset + BLOCK + Math.ceil(header.size / BLOCK) * BLOCK;
        const name = splitMemberName(member);
        if (name === undefined) {
          throw new WebDatasetError(
            WebDatasetErrorCode.InvalidMemberName,
            `shard '${shard}': member '${member}' is not named '<key>.<ext>' (a relative path whose basename has a dot after a non-empty key); rename it.`,
          );
        }
        if (current !== undefined && current.key !== name.key) {
          yield checkSample(current.key, current.files, options);
          current = undefined;
        }
        if (current === undefined) {
          if (seen.has(name.key)) {
            throw new WebDatasetError(
              WebDatasetErrorCode.DuplicateKey,
              `shard '${shard}': member '${member}' belongs to sample '${name.key}', which appeared earlier with other samples in between; keys must be unique and a sample's members consecutive.`,
            );
          }
          seen.add(name.key);
          current = { key: name.key, files: new Map(), firstMember: member };
        }
        if (!isSampleExtension(name.extension)) {
          // Extra members (metadata Python users write beside the image) are not ours to judge;
          // the sample still needs exactly one image and one .cls.
          await discard(entry);
          continue;
        }
        const bytes = await collect(entry);
        if (current.files.has(name.extension)) {
          throw new WebDatasetError(
            WebDatasetErrorCode.DuplicateMember,
            `shard '${shard}': member '${member}' repeats '.${name.extension}' of sample '${name.key}'; keep one.`,
          );
        }
        current.files.set(name.extension, bytes);
      }
      // A clean tar ends with zero blocks after the last member; without them the input was cut
      // at a member boundary, which tar-stream cannot notice by itself.
      await feeding;
      if (tarLength < archiveEnd + BLOCK) {
        throw new WebDatasetError(
          WebDatasetErrorCode.TarTruncated,
          `shard '${shard}' is truncated: it ends without the end-of-archive blocks${current ? ` (after member '${current.firstMember}')` : ''}; re-create or re-upload it.`,
        );
      }
    } catch (error) {
      const translated = translate(error, shard, sourceError);
      throw entries === 0 && isTarFailure(translated) && !looksLikeTar(firstBlock)
        ? new WebDatasetError(
            WebDatasetErrorCode.NotTar,
            `shard '${shard}' is not a tar archive (${firstBlock.length < BLOCK ? `${tarLength} bytes${gzipped ? ' after gunzip' : ''}, less than one 512-byte tar header` : 'its first 512-byte block is not a tar header'}); pass a WebDataset .tar or .tar.gz shard.`,
            { cause: translated },
          )
        : translated;
    }
    if (current !== undefined) yield checkSample(current.key, current.files, options);
    finished = true;
  } finally {
    if (!finished) {
      extract.destroy();
      tarBytes.destroy();
    }
    await feeding;
  }
}

/** Writes `bytes` into the extractor with backpressure; never rejects (errors go to `extract`). */
async function feed(
  bytes: Readable,
  extract: tar.Extract,
  seen: (chunk: Buffer) => void,
): Promise<void> {
  try {
    for await (const chunk of bytes as AsyncIterable<Buffer>) {
      seen(chunk);
      if (extract.destroying) return;
      if (!extract.write(chunk)) await drainedOrClosed(extract);
    }
    if (!extract.destroying) extract.end(undefined);
  } catch (error) {
    // Passed on as is: errors from Node internals fail `instanceof Error` inside Jest's realm,
    // and the identity of a source error matters to translate().
    extract.destroy(error as Error);
  }
}

function drainedOrClosed(stream: tar.Extract): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

async function collect(entry: AsyncIterable<unknown>): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of entry) chunks.push(chunk as Buffer);
  // concat copies, so the sample does not pin the (larger) input chunks in memory.
  return Buffer.concat(chunks);
}

async function discard(entry: AsyncIterable<unknown>): Promise<void> {
  for await (const chunk of entry) void chunk;
}

function isTarFailure(error: unknown): boolean {
  if (!(error instanceof WebDatasetError)) return false;
  const cause = (error.cause as { code?: unknown } | undefined)?.code;
  const zlib = typeof cause === 'string' && cause.startsWith('Z_');
  return (
    !zlib &&
    (error.code === WebDatasetErrorCode.TarTruncated ||
      error.code === WebDatasetErrorCode.TarCorrupt)
  );
}

/**
 * Whether a tar stream's first block is (the start of) a tar header: the ustar magic, or a
 * complete block whose checksum adds up (v7 tars have no magic). Anything else is another format.
 */
function looksLikeTar(block: Buffer): boolean {
  if (block.length >= 262 && block.toString('latin1', 257, 262) === 'ustar') return true;
  if (block.length < BLOCK) return false;
  const stored = parseInt(block.toString('latin1', 148, 156).split('\0')[0].trim(), 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i];
  return stored === sum;
}

function toBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'latin1');
  return Buffer.isBuffer(chunk)
    ? chunk
    : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Maps zlib and tar-stream failures to stable codes; leaves source (I/O) errors alone. */
function translate(error: unknown, shard: string, sourceError: unknown): unknown {
  if (error instanceof WebDatasetError || (sourceError !== undefined && error === sourceError)) {
    return error;
  }
  const message = String((error as { message?: unknown } | null)?.message ?? error);
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'Z_BUF_ERROR' || message === 'Unexpected end of data') {
    return new WebDatasetError(
      WebDatasetErrorCode.TarTruncated,
      `shard '${shard}' is truncated (${message}); re-create or re-upload it.`,
      { cause: error },
    );
  }
  if (
    (typeof code === 'string' && code.startsWith('Z_')) ||
    /invalid (tar )?header|header exceeds max size/i.test(message)
  ) {
    return new WebDatasetError(
      WebDatasetErrorCode.TarCorrupt,
      `shard '${shard}' is corrupt (${message}); re-create or re-upload it.`,
      { cause: error },
    );
  }
  return error;
}
