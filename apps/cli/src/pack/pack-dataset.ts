import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import {
  DATASET_MANIFEST_FORMAT,
  DATASET_NAME,
  encodeLabel,
  serializeDatasetManifest,
  writeShardFile,
  type DatasetManifest,
  type SampleInput,
  type ShardEntry,
} from '@tinysaver/webdataset';
import { imageContentProblem, scanImageFolder, type ImageFile } from './image-folder';
import { PackError, PackErrorCode } from './pack-error';

export const MANIFEST_FILE = 'manifest.json';
export const DEFAULT_SHARD_SIZE = 2500;

export interface PackOptions {
  /** ImageFolder root. */
  readonly input: string;
  /** Output folder: created if missing, must be empty if present. */
  readonly output: string;
  readonly name: string;
  /** @defaultValue 2500 */
  readonly shardSize?: number;
  /** @defaultValue true */
  readonly gzip?: boolean;
}

export interface PackResult {
  readonly manifest: DatasetManifest;
  /** Absolute paths of the shard files, in manifest order, then the manifest. */
  readonly files: readonly string[];
}

/**
 * Packs an ImageFolder tree into deterministic WebDataset shards plus `manifest.json`. Samples
 * are keyed by their zero-padded position in ImageFolder order, so the same tree always gives the
 * same bytes; `<key>.cls` holds the class id (the index into `manifest.classes`).
 */
export async function packDataset(options: PackOptions): Promise<PackResult> {
  const shardSize = options.shardSize ?? DEFAULT_SHARD_SIZE;
  const gzip = options.gzip ?? true;
  if (!DATASET_NAME.test(options.name)) {
    throw new PackError(
      PackErrorCode.InvalidName,
      `dataset name '${options.name}' is not usable in file names; pass --name with letters, digits, '.', '_' or '-'.`,
    );
  }
  const input = resolve(options.input);
  const output = resolve(options.output);
  const inside = relative(input, output);
  if (
    inside === '' ||
    (!inside.startsWith(`..${sep}`) && inside !== '..' && !inside.startsWith(sep))
  ) {
    throw new PackError(
      PackErrorCode.OutputInsideInput,
      `output folder '${options.output}' is inside the input folder '${options.input}'; it would be packed as a class next time. Choose a folder outside it.`,
    );
  }
  const folder = await scanImageFolder(input);
  const created = await prepareOutput(output, options.output);

  const total = folder.images.length;
  const keyWidth = Math.max(6, String(total - 1).length);
  const extension = gzip ? 'tar.gz' : 'tar';
  const shards: ShardEntry[] = [];
  const files: string[] = [];
  try {
    for (let start = 0, index = 0; start < total; start += shardSize, index += 1) {
      const path = join(output, `${options.name}-${String(index).padStart(6, '0')}.${extension}`);
      const batch = folder.images.slice(start, start + shardSize);
      files.push(path);
      shards.push(
        await writeShardFile(path, samplesOf(batch, start, keyWidth, input), {
          gzip,
          classCount: folder.classes.length,
        }),
      );
    }
    const manifest: DatasetManifest = {
      format: DATASET_MANIFEST_FORMAT,
      name: options.name,
      classes: folder.classes,
      samples: total,
      shards,
    };
    const manifestPath = join(output, MANIFEST_FILE);
    await writeFile(manifestPath, serializeDatasetManifest(manifest), { flag: 'wx' });
    files.push(manifestPath);
    return { manifest, files };
  } catch (error) {
    // Leave the output as we found it, so fixing the input and re-running just works.
    await Promise.all(files.map((file) => rm(file, { force: true })));
    if (created) await rm(output, { recursive: true, force: true });
    throw error;
  }
}

async function* samplesOf(
  images: readonly ImageFile[],
  firstIndex: number,
  keyWidth: number,
  input: string,
): AsyncGenerator<SampleInput> {
  for (const [offset, image] of images.entries()) {
    const bytes = await readFile(image.path);
    const problem = imageContentProblem(image.extension, bytes);
    if (problem !== undefined) {
      throw new PackError(
        PackErrorCode.ImageContentMismatch,
        `'${image.relative}' (in '${input}') does not start with a ${problem}; it is not the image its name says. Fix or remove it.`,
      );
    }
    yield {
      key: String(firstIndex + offset).padStart(keyWidth, '0'),
      files: new Map([
        [image.extension, bytes],
        ['cls', encodeLabel(image.classIndex)],
      ]),
    };
  }
}

/** Creates `output` or checks it is empty; true when it was created here. */
async function prepareOutput(output: string, shown: string): Promise<boolean> {
  const existing = await readdir(output).catch((error: { code?: string }) => {
    if (error.code === 'ENOENT') return undefined;
    if (error.code === 'ENOTDIR') {
      throw new PackError(
        PackErrorCode.OutputNotFolder,
        `output '${shown}' is a file, not a folder; pass a new or empty folder for the shards.`,
      );
    }
    throw error;
  });
  if (existing === undefined) {
    await mkdir(output, { recursive: true });
    return true;
  }
  if (existing.length > 0) {
    throw new PackError(
      PackErrorCode.OutputNotEmpty,
      `output folder '${shown}' is not empty (${existing.length} entries); pack never overwrites. Pass a new folder, or empty this one first.`,
    );
  }
  return false;
}
