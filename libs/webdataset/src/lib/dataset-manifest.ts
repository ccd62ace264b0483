import { WebDatasetError, WebDatasetErrorCode } from './webdataset-error';

/** The `format` tag of {@link DatasetManifest} documents. */
export const DATASET_MANIFEST_FORMAT = 'tinysaver-webdataset/1';

/** One shard of a dataset, as listed in `manifest.json`. */
export interface ShardEntry {
  /** File name relative to the manifest (`<prefix>-000000.tar.gz`). */
  readonly file: string;
  readonly samples: number;
  readonly bytes: number;
  /** Lower-case hex sha256 of the shard's bytes. */
  readonly sha256: string;
}

/**
 * `manifest.json` beside a dataset's shards: written by `tinysaver pack` and the zoo builder,
 * read by the API and workers. `classes[i]` is the name of class index `i` (the `.cls` value).
 */
export interface DatasetManifest {
  readonly format: typeof DATASET_MANIFEST_FORMAT;
  readonly name: string;
  readonly classes: readonly string[];
  readonly samples: number;
  readonly shards: readonly ShardEntry[];
}

/** Dataset names: also the default shard prefix, so file-name safe. */
export const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Shard file names: plain relative paths below the manifest, no `..`, no backslashes. */
const SHARD_FILE = /^(?:[A-Za-z0-9_-][A-Za-z0-9._-]*\/)*[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
const SHA256 = /^[0-9a-f]{64}$/;

const MANIFEST_KEYS = ['format', 'name', 'classes', 'samples', 'shards'];
const SHARD_KEYS = ['file', 'samples', 'bytes', 'sha256'];

/**
 * Checks a parsed `manifest.json` and returns it typed. Every problem found is listed in one
 * {@link WebDatasetError} (code `manifest-invalid`) whose message names the field and the fix;
 * `source` (a path or S3 URI) prefixes the message.
 */
export function validateDatasetManifest(value: unknown, source = 'manifest.json'): DatasetManifest {
  const problems: string[] = [];
  if (!isRecord(value)) {
    throw invalid(source, ['it must be a JSON object']);
  }
  for (const key of Object.keys(value)) {
    if (!MANIFEST_KEYS.includes(key)) problems.push(`unknown field '${key}'`);
  }
  if (value['format'] !== DATASET_MANIFEST_FORMAT) {
    problems.push(`format must be '${DATASET_MANIFEST_FORMAT}', got ${describe(value['format'])}`);
  }
  const name = value['name'];
  if (typeof name !== 'string' || !DATASET_NAME.test(name)) {
    problems.push(
      `name must be 1-128 characters of letters, digits, '.', '_' or '-' starting with a letter or digit, got ${describe(name)}`,
    );
  }
  const classes = value['classes'];
  if (!Array.isArray(classes) || classes.length === 0) {
    problems.push('classes must be a non-empty array of class names (index = class id)');
  } else {
    const seen = new Set<string>();
    classes.forEach((cls: unknown, i) => {
      if (typeof cls !== 'string' || cls.trim() === '') {
        problems.push(`classes[${i}] must be a non-empty string, got ${describe(cls)}`);
      } else if (seen.has(cls)) {
        problems.push(`classes[${i}] '${cls}' is listed twice; class names must be unique`);
      } else {
        seen.add(cls);
      }
    });
  }
  const samples = value['samples'];
  if (!isCount(samples)) {
    problems.push(`samples must be a non-negative integer, got ${describe(samples)}`);
  }
  const shards = value['shards'];
  if (!Array.isArray(shards) || shards.length === 0) {
    problems.push('shards must be a non-empty array');
  } else {
    let total = 0;
    const files = new Set<string>();
    shards.forEach((shard: unknown, i) => {
      const at = `shards[${i}]`;
      if (!isRecord(shard)) {
        problems.push(`${at} must be an object with file, samples, bytes and sha256`);
        return;
      }
      for (const key of Object.keys(shard)) {
        if (!SHARD_KEYS.includes(key)) problems.push(`${at}: unknown field '${key}'`);
      }
      const file = shard['file'];
      if (typeof file !== 'string' || !SHARD_FILE.test(file) || file.split('/').includes('..')) {
        problems.push(
          `${at}.file must be a relative file name below the manifest, got ${describe(file)}`,
        );
      } else if (files.has(file)) {
        problems.push(`${at}.file '${file}' is listed twice`);
      } else {
        files.add(file);
      }
      const count = shard['samples'];
      if (!isCount(count) || count === 0) {
        problems.push(`${at}.samples must be a positive integer, got ${describe(count)}`);
      } else {
        total += count;
      }
      if (!isCount(shard['bytes'])) {
        problems.push(
          `${at}.bytes must be a non-negative integer, got ${describe(shard['bytes'])}`,
        );
      }
      const sha256 = shard['sha256'];
      if (typeof sha256 !== 'string' || !SHA256.test(sha256)) {
        problems.push(`${at}.sha256 must be 64 lower-case hex digits, got ${describe(sha256)}`);
      }
    });
    if (problems.length === 0 && total !== samples) {
      problems.push(`samples is ${String(samples)} but the shards hold ${total} in total`);
    }
  }
  if (problems.length > 0) throw invalid(source, problems);
  return value as unknown as DatasetManifest;
}

/** Parses and validates `manifest.json` text. */
export function parseDatasetManifest(text: string, source = 'manifest.json'): DatasetManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new WebDatasetError(
      WebDatasetErrorCode.ManifestInvalid,
      `${source} is not valid JSON (${String((error as { message?: unknown }).message ?? error)}).`,
      { cause: error },
    );
  }
  return validateDatasetManifest(value, source);
}

/**
 * The manifest as committed/uploaded text: fixed key order, two-space indent, trailing newline,
 * so the same dataset always serialises to the same bytes.
 */
export function serializeDatasetManifest(manifest: DatasetManifest): string {
  const ordered = {
    format: manifest.format,
    name: manifest.name,
    classes: manifest.classes,
    samples: manifest.samples,
    shards: manifest.shards.map((s) => ({
      file: s.file,
      samples: s.samples,
      bytes: s.bytes,
      sha256: s.sha256,
    })),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** Validation errors carry the list of problems for programmatic use. */
export class DatasetManifestError extends WebDatasetError {
  constructor(
    readonly problems: readonly string[],
    message: string,
  ) {
    super(WebDatasetErrorCode.ManifestInvalid, message);
  }
}

function invalid(source: string, problems: string[]): DatasetManifestError {
  return new DatasetManifestError(
    problems,
    `${source} is not a valid ${DATASET_MANIFEST_FORMAT} manifest:\n  - ${problems.join('\n  - ')}`,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
