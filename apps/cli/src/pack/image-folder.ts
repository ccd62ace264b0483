import type { Stats } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { IMAGE_EXTENSIONS, isImageExtension, type ImageExtension } from '@tinysaver/webdataset';
import { PackError, PackErrorCode } from './pack-error';

/** One image of an ImageFolder tree. */
export interface ImageFile {
  /** Absolute path. */
  readonly path: string;
  /** Path relative to the tree's root, for messages. */
  readonly relative: string;
  readonly classIndex: number;
  readonly extension: ImageExtension;
}

export interface ImageFolder {
  /** Class names; index = class id, as torchvision's ImageFolder assigns them. */
  readonly classes: readonly string[];
  /** Images by class id, then by path within the class. */
  readonly images: readonly ImageFile[];
}

/**
 * Python compares strings by code point; UTF-8 byte order is the same order, while JS's default
 * sort compares UTF-16 units (different for characters beyond U+FFFF).
 */
export function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/**
 * Scans `root` the way torchvision's ImageFolder does: every sub-folder is a class, classes are
 * sorted by name (code point order) to give class ids, images are found recursively in each
 * class folder and sorted by (folder, file name). Unlike torchvision, files we cannot pack are
 * errors rather than silently skipped — except hidden files (`.DS_Store`). Hidden folders are
 * refused: torchvision reads them (a `.ipynb_checkpoints` class), so skipping them would give
 * other class ids than the model will be trained with.
 */
export async function scanImageFolder(root: string): Promise<ImageFolder> {
  const rootStat = await stat(root).catch(() => undefined);
  if (!rootStat?.isDirectory()) {
    throw new PackError(
      PackErrorCode.InputMissing,
      `input folder '${root}' ${rootStat ? 'is not a folder' : 'does not exist'}; give an ImageFolder tree (one sub-folder per class).`,
    );
  }
  const classes: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const info = await follow(join(root, entry.name), entry.name);
    if (entry.name.startsWith('.') && !info.isDirectory()) continue;
    hiddenFolderCheck(entry.name, info);
    if (info.isDirectory()) {
      classes.push(entry.name);
    } else {
      throw new PackError(
        PackErrorCode.NotAnImage,
        `'${entry.name}' is a file at the top of '${root}'; only class folders belong there. Move it into a class folder or remove it.`,
      );
    }
  }
  if (classes.length === 0) {
    throw new PackError(
      PackErrorCode.InputEmpty,
      `input folder '${root}' has no class folders; put each class's images in its own sub-folder (e.g. ${root}/cat/1.png).`,
    );
  }
  classes.sort(compareCodePoints);
  const images: ImageFile[] = [];
  for (const [classIndex, name] of classes.entries()) {
    const found = await imagesBelow(root, name, classIndex);
    if (found.length === 0) {
      throw new PackError(
        PackErrorCode.ClassWithoutImages,
        `class folder '${name}' has no images; add ${IMAGE_EXTENSIONS.map((e) => `.${e}`).join('/')} files or remove the folder.`,
      );
    }
    images.push(...found);
  }
  return { classes, images };
}

/** stat() that follows symlinks like torchvision, with a clear error for a dangling one. */
async function follow(path: string, shown: string): Promise<Stats> {
  try {
    return await stat(path);
  } catch (error) {
    const link = await lstat(path).catch(() => undefined);
    if ((error as { code?: string }).code === 'ENOENT' && link?.isSymbolicLink()) {
      throw new PackError(
        PackErrorCode.BrokenLink,
        `'${shown}' is a symbolic link to a file that does not exist; fix or remove the link.`,
      );
    }
    throw error;
  }
}

function hiddenFolderCheck(relative: string, info: Stats): void {
  const name = relative.slice(relative.lastIndexOf('/') + 1);
  if (name.startsWith('.') && info.isDirectory()) {
    throw new PackError(
      PackErrorCode.HiddenFolder,
      `'${relative}' is a hidden folder; torchvision's ImageFolder would read it (as a class, or images of its class) but pack skips hidden entries. Remove or rename it.`,
    );
  }
}

async function imagesBelow(
  root: string,
  classDir: string,
  classIndex: number,
): Promise<ImageFile[]> {
  // [folder relative to root, file name] pairs, sorted like torchvision's sorted(os.walk()).
  const files: [string, string][] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(join(root, dir), { withFileTypes: true })) {
      const info = await follow(join(root, dir, entry.name), `${dir}/${entry.name}`);
      if (entry.name.startsWith('.') && !info.isDirectory()) continue;
      hiddenFolderCheck(`${dir}/${entry.name}`, info);
      if (info.isDirectory()) await walk(`${dir}/${entry.name}`);
      else files.push([dir, entry.name]);
    }
  };
  await walk(classDir);
  files.sort(([da, fa], [db, fb]) => compareCodePoints(da, db) || compareCodePoints(fa, fb));
  return files.map(([dir, name]) => {
    const relative = `${dir}/${name}`;
    const dot = name.lastIndexOf('.');
    const extension = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
    if (!isImageExtension(extension)) {
      throw new PackError(
        PackErrorCode.NotAnImage,
        `'${relative}' is not a ${IMAGE_EXTENSIONS.join('/')} image; convert it (e.g. to PNG) or remove it.`,
      );
    }
    return { path: join(root, relative), relative, classIndex, extension };
  });
}

/** Leading bytes each image type must start with; catches misnamed or empty files early. */
export function imageContentProblem(
  extension: ImageExtension,
  bytes: Uint8Array,
): string | undefined {
  const starts = (...sig: number[]): boolean => sig.every((b, i) => bytes[i] === b);
  switch (extension) {
    case 'png':
      return starts(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a) ? undefined : 'PNG signature';
    case 'jpg':
    case 'jpeg':
      return starts(0xff, 0xd8, 0xff) ? undefined : 'JPEG start-of-image marker';
    case 'webp':
      return starts(0x52, 0x49, 0x46, 0x46) &&
        Buffer.from(bytes.subarray(8, 12)).toString('latin1') === 'WEBP'
        ? undefined
        : 'RIFF/WEBP header';
  }
}
