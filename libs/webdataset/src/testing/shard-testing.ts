// Helpers for the webdataset specs: build samples, write shards to memory, read them back.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import * as tar from 'tar-stream';
import type { SampleInput, ShardSample } from '../lib/labelled-sample';
import { readShard, type ReadShardOptions } from '../lib/shard-reader';
import { TarShardWriter, type TarShardWriterOptions } from '../lib/tar-writer';

/** The 8-byte PNG signature followed by `body`: enough for code that does not decode images. */
export function fakePng(body: string | Uint8Array = 'pixels'): Uint8Array {
  const tail = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  return Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, ...tail]);
}

export function sample(
  key: string,
  label: number | string,
  image = fakePng(key),
  extension = 'png',
): SampleInput {
  return {
    key,
    files: new Map([
      [extension, image],
      ['cls', new TextEncoder().encode(String(label))],
    ]),
  };
}

export async function streamToBuffer(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Writes `samples` with a {@link TarShardWriter} and returns the shard's bytes. */
export async function writeToBuffer(
  samples: readonly SampleInput[],
  options: TarShardWriterOptions = {},
): Promise<Buffer> {
  const writer = new TarShardWriter(options);
  const collecting = streamToBuffer(writer.output);
  for (const s of samples) await writer.add(s);
  writer.end();
  return collecting;
}

/** Reads every sample of `bytes`, fed in chunks of `chunkSize` bytes (exercises streaming). */
export async function readAll(
  bytes: Uint8Array,
  options: Partial<ReadShardOptions> = {},
  chunkSize = 64 * 1024,
): Promise<ShardSample[]> {
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunkSize) {
    chunks.push(Buffer.from(bytes.subarray(i, i + chunkSize)));
  }
  const out: ShardSample[] = [];
  for await (const s of readShard(Readable.from(chunks), { shard: 'test.tar', ...options })) {
    out.push(s);
  }
  return out;
}

/** The `code` a promise rejects with, or undefined when it resolves. */
export async function rejectedCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return (error as { code?: string }).code ?? `no code: ${String(error)}`;
  }
  return undefined;
}

/** What a rejected promise carried (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a rejection');
}

export interface RawMember {
  readonly name: string;
  readonly data?: string | Uint8Array;
  readonly type?: 'file' | 'directory' | 'symlink';
  readonly linkname?: string;
}

/** A tar written member by member with no checks at all, for malformed-shard tests. */
export async function rawTar(members: readonly RawMember[]): Promise<Buffer> {
  const pack = tar.pack();
  const collecting = streamToBuffer(pack);
  for (const m of members) {
    const data = typeof m.data === 'string' ? Buffer.from(m.data) : Buffer.from(m.data ?? []);
    await new Promise<void>((resolve, reject) => {
      const header = {
        name: m.name,
        type: m.type ?? 'file',
        linkname: m.linkname,
        mtime: new Date(0),
      };
      if (header.type === 'file') pack.entry(header, data, (e) => (e ? reject(e) : resolve()));
      else pack.entry(header, (e) => (e ? reject(e) : resolve()));
    });
  }
  pack.finalize();
  return collecting;
}

/** A fresh temporary directory and a function removing it. */
export async function tempDir(
  prefix: string,
): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `tinysaver-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
