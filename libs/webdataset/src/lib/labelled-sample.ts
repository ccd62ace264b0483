import { WebDatasetError, WebDatasetErrorCode } from './webdataset-error';

/** Image members a farm sample may carry (exactly one per sample). */
export const IMAGE_EXTENSIONS = ['jpeg', 'jpg', 'png', 'webp'] as const;
export type ImageExtension = (typeof IMAGE_EXTENSIONS)[number];

/** The member holding the class index as decimal text. */
export const LABEL_EXTENSION = 'cls';

export type SampleExtension = ImageExtension | typeof LABEL_EXTENSION;

/** Samples handed to the writer: one image and a `.cls`, keyed by extension (without the dot). */
export interface SampleInput {
  readonly key: string;
  readonly files: ReadonlyMap<string, Uint8Array>;
}

/** A checked sample as the reader yields it. */
export interface ShardSample {
  readonly key: string;
  readonly files: Map<SampleExtension, Uint8Array>;
  /** The class index parsed from `.cls`. */
  readonly label: number;
  /** Which of {@link IMAGE_EXTENSIONS} the image member has. */
  readonly imageExtension: ImageExtension;
}

export function isImageExtension(extension: string): extension is ImageExtension {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(extension);
}

export function isSampleExtension(extension: string): extension is SampleExtension {
  return extension === LABEL_EXTENSION || isImageExtension(extension);
}

/** What the error messages say about where a sample came from. */
export interface SampleContext {
  /** Shard name (file name or S3 key) for messages. */
  readonly shard: string;
  /** When set, labels must be below it. */
  readonly classCount?: number;
}

const LABEL_TEXT = /^\s*(\d{1,15})\s*$/;

/**
 * Parses a `.cls` payload: ASCII decimal digits with optional surrounding whitespace (Python
 * writers often add a newline). Anything else, including signs, decimals and empty files, is refused.
 */
export function parseLabel(bytes: Uint8Array): number | undefined {
  if (bytes.length > 64) return undefined;
  let text = '';
  for (const byte of bytes) {
    if (byte > 0x7e) return undefined;
    text += String.fromCharCode(byte);
  }
  const match = LABEL_TEXT.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** Encodes a class index as `.cls` text. */
export function encodeLabel(label: number): Uint8Array {
  return new TextEncoder().encode(String(label));
}

/**
 * Checks that a sample has exactly one image, a valid `.cls` and nothing else, and returns it in
 * the reader's shape. Shared by reader and writer so we never write what we would refuse to read;
 * the reader drops members with other extensions before calling it, the writer does not.
 */
export function checkSample(
  key: string,
  files: ReadonlyMap<string, Uint8Array>,
  context: SampleContext,
): ShardSample {
  const where = `shard '${context.shard}', sample '${key}'`;
  const checked = new Map<SampleExtension, Uint8Array>();
  let imageExtension: ImageExtension | undefined;
  for (const [extension, bytes] of files) {
    if (!isSampleExtension(extension)) {
      throw new WebDatasetError(
        WebDatasetErrorCode.UnknownExtension,
        `${where}: member '${key}.${extension}' has an unknown extension; a sample holds one image (${IMAGE_EXTENSIONS.join(', ')}) and a .${LABEL_EXTENSION}. Remove or rename the file.`,
      );
    }
    if (isImageExtension(extension)) {
      if (imageExtension !== undefined) {
        throw new WebDatasetError(
          WebDatasetErrorCode.MultipleImages,
          `${where}: has two images ('${key}.${imageExtension}' and '${key}.${extension}'); keep one per sample.`,
        );
      }
      imageExtension = extension;
    }
    checked.set(extension, bytes);
  }
  if (imageExtension === undefined) {
    throw new WebDatasetError(
      WebDatasetErrorCode.MissingImage,
      `${where}: has no image member; add '${key}.png' (or .jpg, .jpeg, .webp).`,
    );
  }
  const labelBytes = checked.get(LABEL_EXTENSION);
  if (labelBytes === undefined) {
    throw new WebDatasetError(
      WebDatasetErrorCode.MissingLabel,
      `${where}: has no '${key}.${LABEL_EXTENSION}' member; every sample needs its class index.`,
    );
  }
  const label = parseLabel(labelBytes);
  if (label === undefined) {
    throw new WebDatasetError(
      WebDatasetErrorCode.InvalidLabel,
      `${where}: member '${key}.${LABEL_EXTENSION}' holds ${JSON.stringify(new TextDecoder().decode(labelBytes.subarray(0, 32)))}, not a non-negative integer class index.`,
    );
  }
  if (context.classCount !== undefined && label >= context.classCount) {
    throw new WebDatasetError(
      WebDatasetErrorCode.LabelOutOfRange,
      `${where}: class index ${label} is out of range; the dataset has ${context.classCount} classes (0..${context.classCount - 1}).`,
    );
  }
  return { key, files: checked, label, imageExtension };
}
