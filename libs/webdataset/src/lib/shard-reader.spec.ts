import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import {
  fakePng,
  rawTar,
  readAll,
  rejectedCode,
  rejection,
  sample,
  tempDir,
  writeToBuffer,
} from '../testing/shard-testing';
import type { SampleInput } from './labelled-sample';
import { readShard } from './shard-reader';
import { WebDatasetErrorCode } from './webdataset-error';

const FIXTURES = join(__dirname, '..', 'testing', 'fixtures');

function labels(samples: readonly { key: string; label: number }[]): [string, number][] {
  return samples.map((s) => [s.key, s.label]);
}

describe('readShard', () => {
  it('round-trips what the writer writes (any keys, bytes, labels, chunking, gzip or not)', async () => {
    const segment = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);
    const key = fc.oneof(
      segment,
      fc.tuple(segment, segment).map(([d, b]) => `${d}/${b}`),
    );
    const entry = fc.record({
      label: fc.nat({ max: 999 }),
      image: fc.uint8Array({ maxLength: 1500 }),
      extension: fc.constantFrom('png', 'jpg', 'jpeg', 'webp'),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(key, entry, { maxKeys: 12 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 4096 }),
        async (byKey, gzip, chunkSize) => {
          const input: SampleInput[] = Object.keys(byKey)
            .sort()
            .map((k) => sample(k, byKey[k].label, byKey[k].image, byKey[k].extension));
          const bytes = await writeToBuffer(input, { gzip });
          const read = await readAll(bytes, {}, chunkSize);
          expect(read.map((s) => s.key)).toEqual(input.map((s) => s.key));
          read.forEach((s, i) => {
            const expected = byKey[input[i].key];
            expect(s.label).toBe(expected.label);
            expect(s.imageExtension).toBe(expected.extension);
            expect(Buffer.from(s.files.get(s.imageExtension) ?? [])).toEqual(
              Buffer.from(expected.image),
            );
          });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('reads a shard written by Python tarfile the way webdataset TarWriter does (pax, gzip name)', async () => {
    const shard = join(FIXTURES, 'python-tarwriter.tar.gz');
    const read = [];
    for await (const s of readShard(createReadStream(shard), { shard })) read.push(s);
    expect(labels(read)).toEqual([
      ['train/n01440764_0001', 0],
      ['train/n01440764_0002', 2],
      [`train/${'n'.repeat(110)}_0003`, 1],
    ]);
    expect(read.map((s) => s.imageExtension)).toEqual(['png', 'jpg', 'webp']);
    expect(Buffer.from(read[0].files.get('png') ?? []).subarray(0, 4)).toEqual(
      Buffer.from(fakePng().subarray(0, 4)),
    );
  });

  it('skips extra members (.json, .txt) that Python webdataset users write beside a sample', async () => {
    const members = await rawTar([
      { name: 'train/a.cls', data: '3\n' },
      { name: 'train/a.json', data: '{"source": "flickr"}' },
      { name: 'train/a.png', data: fakePng('a') },
      { name: 'train/a.txt', data: 'a cat' },
      { name: 'train/b.cls', data: '1' },
      { name: 'train/b.jpg', data: 'jpeg' },
      { name: 'train/b.json', data: '{}' },
    ]);
    for (const bytes of [members, gzipSync(members)]) {
      const read = await readAll(bytes, {}, 700);
      expect(labels(read)).toEqual([
        ['train/a', 3],
        ['train/b', 1],
      ]);
      expect(read.map((s) => [...s.files.keys()].sort())).toEqual([
        ['cls', 'png'],
        ['cls', 'jpg'],
      ]);
    }
  });

  it('reads what GNU tar writes: ./ prefixes, directories, long names, .tar and .tar.gz', async () => {
    const dir = await tempDir('gnu-read');
    try {
      const src = join(dir.path, 'src');
      const longDir = 'd'.repeat(120);
      await mkdir(join(src, 'cats'), { recursive: true });
      await mkdir(join(src, longDir), { recursive: true });
      await writeFile(join(src, 'cats', 'a.png'), fakePng('a'));
      await writeFile(join(src, 'cats', 'a.cls'), '1\n');
      await writeFile(join(src, longDir, 'b.jpg'), 'jpeg');
      await writeFile(join(src, longDir, 'b.cls'), '0');
      const gz = join(dir.path, 'gnu.tar.gz');
      const plain = join(dir.path, 'gnu.tar');
      // --sort=name makes member order independent of the file system's directory order.
      execFileSync('tar', ['--sort=name', '--format=gnu', '-czf', gz, '-C', src, '.']);
      execFileSync('tar', ['--sort=name', '--format=gnu', '-cf', plain, '-C', src, '.']);
      expect(execFileSync('tar', ['-tzf', gz], { encoding: 'utf8' })).toContain('./cats/');
      for (const file of [gz, plain]) {
        const read = await readAll(await readFile(file));
        expect(labels(read)).toEqual([
          ['cats/a', 1],
          [`${longDir}/b`, 0],
        ]);
      }
    } finally {
      await dir.remove();
    }
  });

  it('rethrows errors of the byte source unchanged (they may be worth a retry)', async () => {
    const failure = new Error('connection reset');
    const bytes = await writeToBuffer([sample('a', 0), sample('b', 1)]);
    async function* flaky(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, 20);
      await Promise.resolve();
      throw failure;
    }
    expect(await rejection(readAll2(flaky()))).toBe(failure);
  });

  it('stops reading the source when the consumer stops early', async () => {
    const bytes = await writeToBuffer([sample('a', 0), sample('b', 1), sample('c', 2)], {
      gzip: false,
    });
    let closed = false;
    const source = Readable.from([bytes.subarray(0, 1536), bytes.subarray(1536)]).on(
      'close',
      () => (closed = true),
    );
    for await (const s of readShard(source, { shard: 'x' })) {
      expect(s.key).toBe('a');
      break;
    }
    expect(closed).toBe(true);
  });

  describe('errors name the shard and member', () => {
    it('truncated: inside a member, at a member boundary, inside the gzip stream', async () => {
      const tarBytes = await writeToBuffer([sample('a', 0), sample('b', 1)], { gzip: false });
      const gz = await writeToBuffer([sample('a', 0), sample('b', 1)]);
      const boundary = 4 * 512; // a.cls + a.png headers and data
      for (const cut of [
        tarBytes.subarray(0, 700),
        tarBytes.subarray(0, boundary),
        gz.subarray(0, gz.length - 12),
      ]) {
        expect(await rejectedCode(readAll(cut))).toBe(WebDatasetErrorCode.TarTruncated);
      }
      await expect(readAll(tarBytes.subarray(0, boundary))).rejects.toThrow(
        /shard 'test\.tar' is truncated.*after member 'a\.cls'/,
      );
    });

    it('corrupt header checksum, corrupt gzip, empty input', async () => {
      const tarBytes = await writeToBuffer([sample('a', 0)], { gzip: false });
      const flipped = Buffer.from(tarBytes);
      flipped[3] ^= 0x20;
      expect(await rejectedCode(readAll(flipped))).toBe(WebDatasetErrorCode.TarCorrupt);
      const gz = Buffer.from(await writeToBuffer([sample('a', 0)]));
      gz[gz.length - 6] ^= 0xff; // the CRC32 trailer
      expect(await rejectedCode(readAll(gz))).toBe(WebDatasetErrorCode.TarCorrupt);
      expect(await rejectedCode(readAll(Buffer.alloc(0)))).toBe(WebDatasetErrorCode.ShardEmpty);
    });

    it('not a tar: a short text file, a longer non-tar file, a gzipped non-tar', async () => {
      const short = await rejection(readAll(Buffer.from('not a tar at all')));
      expect(short.code).toBe(WebDatasetErrorCode.NotTar);
      expect(short.message).toMatch(/'test\.tar' is not a tar archive \(16 bytes, less than one/);
      const page = Buffer.from('<html>'.padEnd(2000, ' '));
      expect(await rejection(readAll(page))).toMatchObject({
        code: WebDatasetErrorCode.NotTar,
        message: expect.stringMatching(/first 512-byte block is not a tar header/) as unknown,
      });
      expect(await rejectedCode(readAll(gzipSync(page)))).toBe(WebDatasetErrorCode.NotTar);
      // A real tar cut inside its first header is still a truncated tar.
      const tarBytes = await writeToBuffer([sample('a', 0)], { gzip: false });
      expect(await rejectedCode(readAll(tarBytes.subarray(0, 400)))).toBe(
        WebDatasetErrorCode.TarTruncated,
      );
    });

    it.each([
      [[{ name: 'a.png', data: 'x' }], WebDatasetErrorCode.MissingLabel, /sample 'a'.*no 'a\.cls'/],
      [[{ name: 'a.cls', data: '1' }], WebDatasetErrorCode.MissingImage, /sample 'a'/],
      [
        [
          { name: 'a.png', data: 'x' },
          { name: 'a.cls', data: '-1' },
        ],
        WebDatasetErrorCode.InvalidLabel,
        /'a\.cls' holds "-1"/,
      ],
      [
        [
          { name: 'a.png', data: 'x' },
          { name: 'a.cls', data: '1.5' },
        ],
        WebDatasetErrorCode.InvalidLabel,
        /not a non-negative integer/,
      ],
      [
        [
          { name: 'a.png', data: 'x' },
          { name: 'a.cls', data: '' },
        ],
        WebDatasetErrorCode.InvalidLabel,
        /'a\.cls'/,
      ],
      [
        [
          { name: 'a.json', data: '{}' },
          { name: 'a.cls', data: '0' },
        ],
        WebDatasetErrorCode.MissingImage,
        /sample 'a'/,
      ],
      [
        [
          { name: 'a.png', data: 'x' },
          { name: 'a.jpg', data: 'x' },
          { name: 'a.cls', data: '0' },
        ],
        WebDatasetErrorCode.MultipleImages,
        /'a\.png' and 'a\.jpg'/,
      ],
      [
        [
          { name: 'a.png', data: 'x' },
          { name: 'a.png', data: 'y' },
        ],
        WebDatasetErrorCode.DuplicateMember,
        /'a\.png'/,
      ],
      [
        [
          { name: 'a.png', data: 'x' },
          { name: 'a.cls', data: '0' },
          { name: 'b.png', data: 'x' },
          { name: 'b.cls', data: '0' },
          { name: 'a.jpg', data: 'x' },
        ],
        WebDatasetErrorCode.DuplicateKey,
        /member 'a\.jpg' belongs to sample 'a'/,
      ],
      [[{ name: 'README', data: 'x' }], WebDatasetErrorCode.InvalidMemberName, /'README'/],
      [
        [{ name: 'dir/.hidden', data: 'x' }],
        WebDatasetErrorCode.InvalidMemberName,
        /'dir\/\.hidden'/,
      ],
      [
        [{ name: 'a.png', type: 'symlink', linkname: 'b.png' }],
        WebDatasetErrorCode.UnsupportedMember,
        /'a\.png' is a symlink/,
      ],
    ] as const)('%j -> %s', async (members, code, message) => {
      const bytes = await rawTar(members);
      for (const input of [bytes, gzipSync(bytes)]) {
        const error = await rejection(readAll(input));
        expect(error.code).toBe(code);
        expect(error.message).toMatch(/shard 'test\.tar'/);
        expect(error.message).toMatch(message);
      }
    });

    it('label out of range when the class count is known', async () => {
      const bytes = await writeToBuffer([sample('a', 0), sample('b', 10)]);
      expect(await readAll(bytes)).toHaveLength(2);
      await expect(readAll(bytes, { classCount: 10 })).rejects.toThrow(
        /class index 10 is out of range.*10 classes/,
      );
    });

    it('accepts .cls with surrounding whitespace and upper-case extensions', async () => {
      const bytes = await rawTar([
        { name: 'a.PNG', data: 'x' },
        { name: 'a.cls', data: ' 7\n' },
      ]);
      expect(labels(await readAll(bytes))).toEqual([['a', 7]]);
    });
  });
});

async function readAll2(source: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const s of readShard(source, { shard: 'flaky' })) void s;
}
