import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { rejectedCode, sample, tempDir } from '../testing/shard-testing';
import type { SampleInput } from './labelled-sample';
import { readShard } from './shard-reader';
import { writeShardFile } from './shard-file';
import { WebDatasetErrorCode } from './webdataset-error';

describe('writeShardFile', () => {
  it('writes a shard and returns its manifest entry from the bytes on disk', async () => {
    const dir = await tempDir('shard-file');
    try {
      const path = join(dir.path, 'set-000000.tar.gz');
      const entry = await writeShardFile(path, [sample('a', 0), sample('b', 1)]);
      const bytes = await readFile(path);
      expect(entry).toEqual({
        file: 'set-000000.tar.gz',
        samples: 2,
        bytes: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      });
      const keys = [];
      for await (const s of readShard(createReadStream(path), { shard: path })) keys.push(s.key);
      expect(keys).toEqual(['a', 'b']);
    } finally {
      await dir.remove();
    }
  });

  it('leaves no partial file behind when a sample is bad, and never overwrites', async () => {
    const dir = await tempDir('shard-file-bad');
    try {
      const path = join(dir.path, 'bad.tar.gz');
      function* samples(): Generator<SampleInput> {
        yield sample('a', 0, new Uint8Array(256 * 1024));
        yield sample('b', 'x');
      }
      expect(await rejectedCode(writeShardFile(path, samples()))).toBe(
        WebDatasetErrorCode.InvalidLabel,
      );
      expect(await readdir(dir.path)).toEqual([]);
      const existing = join(dir.path, 'existing.tar');
      await writeFile(existing, 'keep me');
      expect(await rejectedCode(writeShardFile(existing, [sample('a', 0)], { gzip: false }))).toBe(
        'EEXIST',
      );
      expect(await readFile(existing, 'utf8')).toBe('keep me');
    } finally {
      await dir.remove();
    }
  });
});
