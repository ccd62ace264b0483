import { pipeline, Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { DEFAULT_GZIP_LEVEL, pinGzipHeader } from './deterministic-gzip';
import { checkSample, type SampleInput } from './labelled-sample';
import { sampleKeyProblem } from './sample-key';
import { WebDatasetError, WebDatasetErrorCode } from './webdataset-error';

export interface TarShardWriterOptions {
  /** Shard name used in error messages. @defaultValue `'(shard)'` */
  readonly shard?: string;
  /** Gzip the tar stream (with a fixed header). @defaultValue true */
  readonly gzip?: boolean;
  /** zlib level when gzipping. @defaultValue 6 */
  readonly gzipLevel?: number;
  /** When set, `.cls` values must be below it. */
  readonly classCount?: number;
}

/** Unix epoch: every member gets it, so a shard's bytes depend on its content only. */
const EPOCH = new Date(0);

/**
 * Streams a deterministic WebDataset shard: ustar members `<key>.<ext>`, samples in strictly
 * ascending key order, members of a sample sorted by name, mtime 0, uid/gid 0, empty
 * uname/gname, mode 0644; optionally gzipped with a pinned header. The same samples always give
 * the same bytes, so a shard's sha256 identifies its content.
 *
 * Read {@link output} while adding: `add` waits for the reader (backpressure).
 */
export class TarShardWriter {
  /** The shard's bytes (`.tar` or `.tar.gz`). */
  readonly output: Readable;
  private readonly pack = tar.pack();
  private readonly shard: string;
  private readonly classCount?: number;
  private lastKey: string | undefined;
  private count = 0;
  private ended = false;

  constructor(options: TarShardWriterOptions = {}) {
    this.shard = options.shard ?? '(shard)';
    this.classCount = options.classCount;
    // Readable.from bridges tar-stream's streamx stream into a Node stream for pipeline().
    const tarBytes = Readable.from(this.pack, { objectMode: false });
    this.output =
      options.gzip === false
        ? tarBytes
        : pipeline(
            tarBytes,
            createGzip({ level: options.gzipLevel ?? DEFAULT_GZIP_LEVEL }),
            pinGzipHeader(),
            // Errors reach the consumer through `output` itself; nothing else to do here.
            () => undefined,
          );
  }

  /** Number of samples added so far. */
  get samples(): number {
    return this.count;
  }

  /** Appends one sample; rejects with a {@link WebDatasetError} when the sample is not writable. */
  async add(sample: SampleInput): Promise<void> {
    if (this.ended) {
      throw new WebDatasetError(
        WebDatasetErrorCode.WriterClosed,
        `shard '${this.shard}': add() after end(); start a new writer for the next shard.`,
      );
    }
    const { key } = sample;
    const problem = sampleKeyProblem(key);
    if (problem !== undefined) {
      throw new WebDatasetError(
        WebDatasetErrorCode.InvalidKey,
        `shard '${this.shard}': cannot write key ${JSON.stringify(key)}: ${problem}.`,
      );
    }
    if (this.lastKey !== undefined && key <= this.lastKey) {
      throw key === this.lastKey
        ? new WebDatasetError(
            WebDatasetErrorCode.DuplicateKey,
            `shard '${this.shard}': key '${key}' was already written; keys must be unique.`,
          )
        : new WebDatasetError(
            WebDatasetErrorCode.KeyOrder,
            `shard '${this.shard}': key '${key}' comes after '${this.lastKey}'; add samples in ascending key order so the shard is deterministic.`,
          );
    }
    checkSample(key, sample.files, { shard: this.shard, classCount: this.classCount });
    this.lastKey = key;
    const extensions = [...sample.files.keys()].sort();
    for (const extension of extensions) {
      const bytes = sample.files.get(extension) ?? new Uint8Array(0);
      await this.entry(`${key}.${extension}`, bytes);
    }
    this.count += 1;
  }

  /** Writes the end-of-archive blocks; `output` ends once it has been read. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.pack.finalize();
  }

  /** Stops writing: `output` errors with `error`, and pending `add` calls reject. */
  abort(error: Error): void {
    this.ended = true;
    this.pack.destroy(error);
  }

  private entry(name: string, bytes: Uint8Array): Promise<void> {
    return new Promise((resolve, reject) => {
      const sink = this.pack.entry(
        {
          name,
          size: bytes.byteLength,
          type: 'file',
          mode: 0o644,
          mtime: EPOCH,
          uid: 0,
          gid: 0,
          uname: '',
          gname: '',
        },
        // tar-stream wants a Buffer; wrap without copying.
        Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        (error) => (error ? reject(error) : resolve()),
      );
      // The callback above reports the entry's failure; without a listener the sink's own
      // 'error' event would be unhandled.
      sink.on('error', () => undefined);
    });
  }
}
