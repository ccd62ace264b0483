// `tinysaver pack <dir> <out>`: ImageFolder tree -> deterministic WebDataset shards + manifest,
// optionally uploaded to S3. Argument handling and output live here; the work is in ../pack/.
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  StorageError,
  parseS3Uri,
  formatS3Uri,
  type S3ClientSettings,
  type S3Location,
} from '@tinysaver/storage';
import { WebDatasetError } from '@tinysaver/webdataset';
import { readS3Settings, type S3Env } from '../config/s3-env';
import { DEFAULT_SHARD_SIZE, packDataset } from '../pack/pack-dataset';
import { PackError, PackErrorCode } from '../pack/pack-error';
import { openS3Target, uploadPack } from '../pack/s3-target';

export const packUsage = `Usage: tinysaver pack <dir> <out> [--shard-size N] [--name NAME] [--no-gzip] [--to s3://bucket/prefix]

Packs an ImageFolder tree (one sub-folder per class; classes sorted by name give the class ids,
as in torchvision) into WebDataset shards <name>-000000.tar.gz ... plus manifest.json in <out>.
The same tree always gives byte-identical shards.

Options:
  --shard-size N   samples per shard (default ${DEFAULT_SHARD_SIZE})
  --name NAME      dataset name and shard prefix (default: the folder's name)
  --no-gzip        write .tar instead of .tar.gz
  --to URI         also upload shards, then manifest.json, to s3://bucket/prefix
                   (S3_ENDPOINT, S3_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)
  -h, --help       show this help`;

/** Where the command writes, and the environment it may read; injectable for tests. */
export interface PackIo {
  readonly env?: S3Env;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Builds the S3 client for --to (tests inject failures). @defaultValue createS3Client */
  readonly s3Client?: (settings: S3ClientSettings) => S3Client;
}

interface PackArgs {
  readonly input: string;
  readonly output: string;
  readonly name: string;
  readonly shardSize: number;
  readonly gzip: boolean;
  readonly to: S3Location | undefined;
}

export function runPack(args: string[]): Promise<number> {
  return packCommand(args, {
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  });
}

export async function packCommand(args: readonly string[], io: PackIo): Promise<number> {
  try {
    if (args.includes('--help') || args.includes('-h')) {
      io.out(packUsage);
      return 0;
    }
    const options = parsePackArgs(args);
    // Check S3 before packing, so a missing variable, a malformed S3_ENDPOINT or a missing bucket
    // fails in seconds, not after an hour of packing.
    const client =
      options.to === undefined
        ? undefined
        : await openS3Target(readS3Settings(io.env), options.to, io.s3Client);
    try {
      return await packAndUpload(options, io, client);
    } finally {
      client?.destroy();
    }
  } catch (error) {
    if (
      error instanceof PackError ||
      error instanceof WebDatasetError ||
      error instanceof StorageError
    ) {
      io.err(`tinysaver pack: ${error.message}`);
      return error instanceof PackError && error.code === PackErrorCode.Usage ? 2 : 1;
    }
    const message = String((error as { message?: unknown } | null)?.message ?? error);
    io.err(`tinysaver pack: ${message}`);
    return 1;
  }
}

async function packAndUpload(
  options: PackArgs,
  io: PackIo,
  client: S3Client | undefined,
): Promise<number> {
  const { manifest, files } = await packDataset(options);
  const bytes = manifest.shards.reduce((sum, s) => sum + s.bytes, 0);
  io.out(
    `Packed ${manifest.classes.length} classes, ${manifest.samples} samples into ${manifest.shards.length} shards (${bytes} bytes) in ${options.output}`,
  );
  for (const shard of manifest.shards) {
    io.out(
      `  ${shard.file}  ${shard.samples} samples  ${shard.bytes} bytes  sha256 ${shard.sha256}`,
    );
  }
  if (options.to !== undefined && client !== undefined) {
    await uploadPack(client, files, options.to, { output: options.output, log: io.out });
    io.out(
      `Uploaded ${files.length} objects to ${formatS3Uri(options.to.bucket, options.to.prefix)}`,
    );
  }
  return 0;
}

function parsePackArgs(args: readonly string[]): PackArgs {
  const usage = (why: string): PackError =>
    new PackError(PackErrorCode.Usage, `${why}\nRun 'tinysaver pack --help' for the options.`);
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        'shard-size': { type: 'string' },
        name: { type: 'string' },
        'no-gzip': { type: 'boolean' },
        to: { type: 'string' },
      },
    });
  } catch (error) {
    throw usage(String((error as { message?: unknown }).message ?? error));
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 2) {
    throw usage(`expected <dir> and <out>, got ${positionals.length} argument(s).`);
  }
  const [input, output] = positionals;
  const sizeText = values['shard-size'] ?? String(DEFAULT_SHARD_SIZE);
  const shardSize = /^\d{1,9}$/.test(sizeText) ? Number(sizeText) : Number.NaN;
  if (!(shardSize >= 1)) {
    throw usage(`--shard-size must be a positive whole number of samples, got '${sizeText}'.`);
  }
  let to: S3Location | undefined;
  if (values.to !== undefined) {
    try {
      to = parseS3Uri(values.to);
    } catch (error) {
      throw usage((error as Error).message);
    }
  }
  return {
    input,
    output,
    name: values.name ?? basename(resolve(input)),
    shardSize,
    gzip: values['no-gzip'] !== true,
    to,
  };
}
