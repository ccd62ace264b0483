import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import {
  fakePng,
  rejectedCode,
  sample,
  streamToBuffer,
  tempDir,
  writeToBuffer,
} from '../testing/shard-testing';
import { GZIP_HEADER } from './deterministic-gzip';
import { TarShardWriter } from './tar-writer';
import { WebDatasetErrorCode } from './webdataset-error';

const samples = [
  sample('000000', 0),
  sample('000001', 2, Uint8Array.of(0xff, 0xd8, 0xff, 0xd9), 'jpg'),
  sample('sub/000002', 1),
];

/** Size and sha256 of `samples` as an uncompressed shard; change only on purpose. */
const GOLDEN_TAR_BYTES = 7168;
const GOLDEN_TAR_SHA256 = 'e02c782d787e2166d0e68b4356a0a06bb666f52136362b787ea95638c4e10f91';

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function headers(tarBytes: Buffer): Promise<tar.Header[]> {
  const extract = tar.extract();
  const out: tar.Header[] = [];
  const reading = (async () => {
    for await (const entry of extract) {
      out.push(entry.header);
      entry.resume();
    }
  })();
  extract.end(tarBytes);
  await reading;
  return out;
}

describe('TarShardWriter', () => {
  it('writes the same bytes for the same samples, gzipped or not', async () => {
    for (const gzip of [true, false]) {
      const a = await writeToBuffer(samples, { gzip });
      const b = await writeToBuffer(samples, { gzip });
      expect(sha256(a)).toBe(sha256(b));
    }
    const other = await writeToBuffer([sample('000000', 1)]);
    expect(sha256(other)).not.toBe(sha256(await writeToBuffer([sample('000000', 0)])));
  });

  it('writes a plain .tar of fixed content to the same bytes as ever (golden hash)', async () => {
    // Catches a tar-stream upgrade (or a header change here) that alters shard bytes, and with
    // them every manifest sha256. Only the uncompressed form is pinned: .tar.gz bytes also depend
    // on the zlib build Node ships.
    const tarBytes = await writeToBuffer(samples, { gzip: false });
    expect(tarBytes.length).toBe(GOLDEN_TAR_BYTES);
    expect(sha256(tarBytes)).toBe(GOLDEN_TAR_SHA256);
  });

  it('pins the gzip header: no name, mtime 0, OS unknown', async () => {
    const bytes = await writeToBuffer(samples);
    expect([...bytes.subarray(0, 10)]).toEqual([...GZIP_HEADER]);
  });

  it('writes sorted ustar members with mtime 0, uid/gid 0, no user names, mode 0644', async () => {
    const tarBytes = await writeToBuffer(samples, { gzip: false });
    // ustar magic and version of the first header.
    expect(tarBytes.subarray(257, 265).toString('latin1')).toBe('ustar\u000000');
    const list = await headers(tarBytes);
    expect(list.map((h) => h.name)).toEqual([
      '000000.cls',
      '000000.png',
      '000001.cls',
      '000001.jpg',
      'sub/000002.cls',
      'sub/000002.png',
    ]);
    for (const h of list) {
      expect(h).toMatchObject({ type: 'file', mode: 0o644, uid: 0, gid: 0, uname: '', gname: '' });
      expect(h.mtime.getTime()).toBe(0);
    }
    expect(gunzipSync(await writeToBuffer(samples))).toEqual(tarBytes);
  });

  it('is listed and extracted by GNU tar', async () => {
    const dir = await tempDir('gnu-tar');
    try {
      const shard = join(dir.path, 'shard.tar.gz');
      await writeFile(shard, await writeToBuffer(samples));
      const listing = execFileSync('tar', ['-tzf', shard], { encoding: 'utf8' });
      expect(listing.trim().split('\n')).toEqual([
        '000000.cls',
        '000000.png',
        '000001.cls',
        '000001.jpg',
        'sub/000002.cls',
        'sub/000002.png',
      ]);
      const verbose = execFileSync('tar', ['-tvzf', shard, '--numeric-owner'], {
        encoding: 'utf8',
      });
      expect(verbose).toMatch(/^-rw-r--r-- 0\/0 +1 1970-01-01 00:00 000000\.cls$/m);
      execFileSync('tar', ['-xzf', shard, '-C', dir.path]);
      expect(await readFile(join(dir.path, 'sub/000002.png'))).toEqual(
        Buffer.from(fakePng('sub/000002')),
      );
      expect(await readFile(join(dir.path, '000001.cls'), 'utf8')).toBe('2');
    } finally {
      await dir.remove();
    }
  });

  it('refuses keys webdataset would split differently, and other bad keys', async () => {
    for (const key of ['a.b', 'dir/a.b', '', '/abs', 'a//b', '../a', 'a/', 'ключ', 'a b']) {
      const writer = new TarShardWriter();
      expect(await rejectedCode(writer.add(sample(key, 0)))).toBe(WebDatasetErrorCode.InvalidKey);
    }
    const writer = new TarShardWriter();
    await expect(writer.add(sample('img.1', 0))).rejects.toThrow(/basename contains a dot/);
  });

  it('requires ascending unique keys, valid samples, and no add after end', async () => {
    const writer = new TarShardWriter({ shard: 'x-000000.tar.gz', classCount: 3 });
    const draining = streamToBuffer(writer.output);
    await writer.add(sample('b', 0));
    expect(await rejectedCode(writer.add(sample('a', 0)))).toBe(WebDatasetErrorCode.KeyOrder);
    expect(await rejectedCode(writer.add(sample('b', 0)))).toBe(WebDatasetErrorCode.DuplicateKey);
    expect(await rejectedCode(writer.add(sample('c', 3)))).toBe(
      WebDatasetErrorCode.LabelOutOfRange,
    );
    expect(await rejectedCode(writer.add(sample('c', 'x')))).toBe(WebDatasetErrorCode.InvalidLabel);
    expect(await rejectedCode(writer.add({ key: 'c', files: new Map([['png', fakePng()]]) }))).toBe(
      WebDatasetErrorCode.MissingLabel,
    );
    expect(await rejectedCode(writer.add(sample('c', 1, fakePng(), 'gif')))).toBe(
      WebDatasetErrorCode.UnknownExtension,
    );
    // A rejected sample leaves the writer usable.
    await writer.add(sample('c', 2));
    writer.end();
    expect(await rejectedCode(writer.add(sample('d', 0)))).toBe(WebDatasetErrorCode.WriterClosed);
    expect(writer.samples).toBe(2);
    expect((await headers(gunzipSync(await draining))).map((h) => h.name)).toEqual([
      'b.cls',
      'b.png',
      'c.cls',
      'c.png',
    ]);
  });

  it('waits for the reader (backpressure) instead of buffering the whole shard', async () => {
    const writer = new TarShardWriter({ gzip: false });
    const big = new Uint8Array(4 * 1024 * 1024);
    let added = 0;
    const adding = (async () => {
      for (let i = 0; i < 8; i++) {
        await writer.add(sample(`k${i}`, 0, big));
        added += 1;
      }
      writer.end();
    })();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(added).toBeLessThan(8);
    const bytes = await streamToBuffer(writer.output);
    await adding;
    expect(bytes.length).toBeGreaterThan(8 * big.length);
  });

  it('abort() rejects pending adds and errors the output', async () => {
    const writer = new TarShardWriter();
    const pending = writer.add(sample('a', 0, new Uint8Array(1024 * 1024)));
    writer.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
    await expect(streamToBuffer(writer.output)).rejects.toThrow('stop');
  });
});
