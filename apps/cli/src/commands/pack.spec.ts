import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { createS3Client } from '@tinysaver/storage';
import { S3RVER_CREDENTIALS, startS3rver, type S3rverHarness } from '@tinysaver/storage/testing';
import { parseDatasetManifest, readShard, type ShardSample } from '@tinysaver/webdataset';
import { packCommand } from './pack';

const run = promisify(execFile);
const WORKSPACE = join(__dirname, '..', '..', '..', '..');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function png(body: string): Buffer {
  return Buffer.concat([PNG_SIGNATURE, Buffer.from(body)]);
}

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'tinysaver-pack-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

let counter = 0;
/** A fresh folder below the suite's scratch directory. */
function fresh(name: string): string {
  counter += 1;
  return join(scratch, `${counter}-${name}`);
}

/** Writes `files` (path relative to root -> content) and returns root. */
async function tree(files: Record<string, Buffer | string>): Promise<string> {
  const root = fresh('images');
  await mkdir(root, { recursive: true });
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), content);
  }
  return root;
}

/** A small ImageFolder: classes 'B' < 'a' < 'cat' in code point order, a nested folder, a JPEG. */
const FOLDER = {
  'cat/2.png': png('cat2'),
  'cat/10.png': png('cat10'),
  'cat/nested/1.png': png('cat-nested'),
  'a/x.JPG': Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.from('jpeg')]),
  'B/only.png': png('B'),
  'B/.DS_Store': 'ignored',
};

async function pack(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await packCommand(args, { env, out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function readBack(path: string): Promise<ShardSample[]> {
  const samples: ShardSample[] = [];
  for await (const s of readShard(createReadStream(path), { shard: path })) samples.push(s);
  return samples;
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('tinysaver pack', () => {
  it('packs an ImageFolder into shards and a manifest that read back in ImageFolder order', async () => {
    const input = await tree(FOLDER);
    const output = fresh('out');
    const result = await pack([input, output, '--shard-size', '2', '--name', 'tiny']);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toMatch(/^Packed 3 classes, 5 samples into 3 shards \(\d+ bytes\) in /);

    expect((await readdir(output)).sort()).toEqual([
      'manifest.json',
      'tiny-000000.tar.gz',
      'tiny-000001.tar.gz',
      'tiny-000002.tar.gz',
    ]);
    const manifest = parseDatasetManifest(await readFile(join(output, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: 'tiny', classes: ['B', 'a', 'cat'], samples: 5 });
    expect(manifest.shards.map((s) => s.samples)).toEqual([2, 2, 1]);

    const samples: ShardSample[] = [];
    for (const shard of manifest.shards) {
      const bytes = await readFile(join(output, shard.file));
      expect(shard.bytes).toBe(bytes.length);
      expect(shard.sha256).toBe(sha256(bytes));
      samples.push(...(await readBack(join(output, shard.file))));
    }
    // torchvision order: classes by name; within a class by (folder, file name) as strings.
    expect(samples.map((s) => [s.key, s.label, s.imageExtension])).toEqual([
      ['000000', 0, 'png'],
      ['000001', 1, 'jpg'],
      ['000002', 2, 'png'],
      ['000003', 2, 'png'],
      ['000004', 2, 'png'],
    ]);
    expect(
      samples.slice(2).map((s) => Buffer.from(s.files.get('png') ?? []).toString('latin1', 8)),
    ).toEqual(['cat10', 'cat2', 'cat-nested']);

    const { stdout } = await run('tar', ['-tzf', join(output, 'tiny-000000.tar.gz')]);
    expect(stdout.trim().split('\n')).toEqual([
      '000000.cls',
      '000000.png',
      '000001.cls',
      '000001.jpg',
    ]);
  });

  it('is deterministic: the same tree gives byte-identical shards and manifest', async () => {
    const input = await tree(FOLDER);
    const [first, second] = [fresh('one'), fresh('two')];
    expect((await pack([input, first, '--name', 'same'])).code).toBe(0);
    expect((await pack([input, second, '--name', 'same'])).code).toBe(0);
    for (const file of ['manifest.json', 'same-000000.tar.gz']) {
      expect(await readFile(join(second, file))).toEqual(await readFile(join(first, file)));
    }
  });

  it('writes plain .tar with --no-gzip and names the dataset after the folder by default', async () => {
    const input = await tree({ 'x/1.png': png('1') });
    const output = fresh('plain');
    expect((await pack([input, output, '--no-gzip'])).code).toBe(0);
    const manifest = parseDatasetManifest(await readFile(join(output, 'manifest.json'), 'utf8'));
    expect(manifest.name).toMatch(/images$/);
    expect(manifest.shards[0].file).toMatch(/images-000000\.tar$/);
    expect(
      (await readFile(join(output, manifest.shards[0].file))).subarray(257, 262).toString(),
    ).toBe('ustar');
  });

  describe('refuses bad input with a message and a non-zero exit', () => {
    it.each([
      ['a missing folder', {}, (root: string) => [join(root, 'nope')], 1, /does not exist/],
      ['a folder without classes', {}, (root: string) => [root], 1, /has no class folders/],
      [
        'a class folder without images',
        { 'a/1.png': png('1'), 'b/.keep': '' },
        (r: string) => [r],
        1,
        /class folder 'b' has no images/,
      ],
      [
        'a non-image file',
        { 'a/1.png': png('1'), 'a/notes.txt': 'x' },
        (r: string) => [r],
        1,
        /'a\/notes\.txt' is not a jpeg\/jpg\/png\/webp image/,
      ],
      ['a bmp', { 'a/1.bmp': 'BM' }, (r: string) => [r], 1, /'a\/1\.bmp' is not a/],
      [
        'a file at the top',
        { 'a/1.png': png('1'), 'README.md': '#' },
        (r: string) => [r],
        1,
        /'README\.md' is a file at the top/,
      ],
      [
        'an image with the wrong signature',
        { 'a/1.png': 'GIF89a' },
        (r: string) => [r],
        1,
        /'a\/1\.png' .*does not start with a PNG signature/,
      ],
      [
        'a bad name',
        { 'a/1.png': png('1') },
        (r: string) => [r, '--name', 'a b'],
        1,
        /dataset name 'a b'/,
      ],
      [
        '--shard-size 0',
        { 'a/1.png': png('1') },
        (r: string) => [r, '--shard-size', '0'],
        2,
        /--shard-size must be a positive whole number/,
      ],
      [
        '--shard-size abc',
        { 'a/1.png': png('1') },
        (r: string) => [r, '--shard-size', 'abc'],
        2,
        /got 'abc'/,
      ],
      [
        'a bad S3 URI',
        { 'a/1.png': png('1') },
        (r: string) => [r, '--to', 'https://bucket/x'],
        2,
        /is not a usable S3 URI/,
      ],
      [
        'a hidden class folder (torchvision would make it a class)',
        { 'a/1.png': png('1'), '.ipynb_checkpoints/x.png': png('x') },
        (r: string) => [r],
        1,
        /'\.ipynb_checkpoints' is a hidden folder; torchvision's ImageFolder would read it/,
      ],
      [
        'a hidden folder inside a class',
        { 'a/1.png': png('1'), 'a/.thumbs/1.png': png('t') },
        (r: string) => [r],
        1,
        /'a\/\.thumbs' is a hidden folder/,
      ],
      [
        'the removed --gzip flag (gzip is the default)',
        { 'a/1.png': png('1') },
        (r: string) => [r, '--gzip'],
        2,
        /Unknown option '--gzip'/,
      ],
      [
        'an unknown option',
        { 'a/1.png': png('1') },
        (r: string) => [r, '--shards', '3'],
        2,
        /Unknown option '--shards'/,
      ],
    ] as const)('%s', async (_what, files, argsOf, code, message) => {
      const root = await tree(files);
      const output = fresh('out');
      const result = await pack(withOutput(argsOf(root), output));
      expect(result.code).toBe(code);
      expect(result.err).toMatch(/^tinysaver pack: /);
      expect(result.err).toMatch(message);
      // Nothing is left behind for a failed pack.
      await expect(readdir(output)).rejects.toMatchObject({ code: 'ENOENT' });
    });

    it('a missing <out> argument', async () => {
      const result = await pack(['only-one']);
      expect(result).toMatchObject({ code: 2 });
      expect(result.err).toMatch(/expected <dir> and <out>, got 1/);
    });

    it('an output folder that is not empty, or inside the input', async () => {
      const input = await tree({ 'a/1.png': png('1') });
      const output = fresh('full');
      await mkdir(output);
      await writeFile(join(output, 'keep.txt'), 'mine');
      const full = await pack([input, output]);
      expect(full.code).toBe(1);
      expect(full.err).toMatch(
        /is not empty .*pack never overwrites\. Pass a new folder, or empty this one first/,
      );
      expect(await readdir(output)).toEqual(['keep.txt']);
      const nested = await pack([input, join(input, 'out')]);
      expect(nested.code).toBe(1);
      expect(nested.err).toMatch(/is inside the input folder/);
    });

    it('an output that is a file', async () => {
      const input = await tree({ 'a/1.png': png('1') });
      const output = fresh('file');
      await writeFile(output, 'not a folder');
      const result = await pack([input, output]);
      expect(result.code).toBe(1);
      expect(result.err).toBe(
        `tinysaver pack: output '${output}' is a file, not a folder; pass a new or empty folder for the shards.`,
      );
    });

    it('a broken symbolic link, at the top or inside a class', async () => {
      for (const link of ['gone', 'a/gone.png']) {
        const input = await tree({ 'a/1.png': png('1') });
        await symlink(join(input, 'missing-target'), join(input, link));
        const result = await pack([input, fresh('out')]);
        expect(result.code).toBe(1);
        expect(result.err).toMatch(
          new RegExp(
            `'${link.replace('.', '\\.')}' is a symbolic link to a file that does not exist`,
          ),
        );
      }
    });
  });

  describe('--to s3://', () => {
    let s3: S3rverHarness;
    const env = (): Record<string, string> => ({
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    });

    beforeAll(async () => {
      s3 = await startS3rver();
    });

    afterAll(async () => {
      await s3.stop();
    });

    it('uploads the shards and the manifest under the prefix', async () => {
      const bucket = await s3.createBucket();
      const input = await tree(FOLDER);
      const output = fresh('up');
      const result = await pack(
        [input, output, '--shard-size', '3', '--name', 'up', '--to', `s3://${bucket}/datasets/up/`],
        env(),
      );
      expect(result.err).toBe('');
      expect(result.code).toBe(0);
      expect(result.out).toContain(`Uploaded 3 objects to s3://${bucket}/datasets/up`);
      for (const file of ['up-000000.tar.gz', 'up-000001.tar.gz', 'manifest.json']) {
        const object = await s3.client.send(
          new GetObjectCommand({ Bucket: bucket, Key: `datasets/up/${file}` }),
        );
        const bytes = Buffer.from(
          await (
            object.Body as { transformToByteArray(): Promise<Uint8Array> }
          ).transformToByteArray(),
        );
        expect(bytes).toEqual(await readFile(join(output, file)));
      }
    });

    it('checks the bucket and endpoint before packing anything', async () => {
      const input = await tree({ 'a/1.png': png('1') });
      const missing = fresh('nobucket');
      const failed = await pack(
        [input, missing, '--name', 'nb', '--to', 's3://no-such-bucket-here/p'],
        env(),
      );
      expect(failed.code).toBe(1);
      expect(failed.err).toMatch(
        /bucket s3:\/\/no-such-bucket-here does not exist .*Nothing was packed/,
      );
      await expect(readdir(missing)).rejects.toMatchObject({ code: 'ENOENT' });
      const badEndpoint = fresh('badendpoint');
      const bad = await pack([input, badEndpoint, '--to', 's3://bucket/p'], {
        ...env(),
        S3_ENDPOINT: 'localhost:9000',
      });
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/S3 endpoint 'localhost:9000' is not an http\(s\) URL/);
      await expect(readdir(badEndpoint)).rejects.toMatchObject({ code: 'ENOENT' });
    });

    it('after a failed upload, says the local shards are complete and how to retry', async () => {
      const bucket = await s3.createBucket();
      const input = await tree({ 'a/1.png': png('1') });
      const output = fresh('halfway');
      const lines: string[] = [];
      const result = await packCommand(
        [input, output, '--name', 'hw', '--to', `s3://${bucket}/p`],
        {
          env: env(),
          out: () => undefined,
          err: (line) => lines.push(line),
          // The bucket check passes; every upload then fails, as a dropped connection would.
          s3Client: (settings) => {
            const client = createS3Client(settings);
            client.middlewareStack.add(
              (next, context) => (args) =>
                context.commandName === 'HeadBucketCommand'
                  ? next(args)
                  : Promise.reject(new Error('socket hang up')),
              { step: 'initialize' },
            );
            return client;
          },
        },
      );
      expect(result).toBe(1);
      const message = lines.join('\n');
      expect(message).toMatch(/socket hang up/);
      expect(message).toMatch(
        new RegExp(`in '${output}' are complete; only the upload failed\\. To retry`),
      );
      expect(message).toMatch(/or delete '.*' and run this command again/);
      expect((await readdir(output)).sort()).toEqual(['hw-000000.tar.gz', 'manifest.json']);
    });

    it('needs S3_REGION', async () => {
      const input = await tree({ 'a/1.png': png('1') });
      const noRegion = await pack([input, fresh('noregion'), '--to', 's3://bucket/p'], {
        ...env(),
        S3_REGION: '',
      });
      expect(noRegion.code).toBe(1);
      expect(noRegion.err).toMatch(/S3_REGION is not set/);
    });
  });

  it('runs as the real `tinysaver pack` command', async () => {
    const input = await tree({ 'a/1.png': png('1'), 'b/2.png': png('2') });
    const output = fresh('real');
    const bin = join(WORKSPACE, 'node_modules', '.bin', 'tinysaver');
    const { stdout } = await run(bin, ['pack', input, output, '--name', 'real']);
    expect(stdout).toMatch(/Packed 2 classes, 2 samples into 1 shards/);
    expect(await readdir(output)).toEqual(['manifest.json', 'real-000000.tar.gz']);
    const failure = await run(bin, ['pack', input, output]).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/is not empty/) as unknown,
    });
  }, 30_000);
});

/** Puts the output folder right after <dir>. */
function withOutput(args: readonly string[], output: string): string[] {
  const [dir, ...rest] = args;
  return [dir, output, ...rest];
}
