// The S3 side of `tinysaver pack --to`: checked before any packing (bad settings fail in seconds,
// not after an hour of packing) and the upload itself, whose failure says how to finish the job.
import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  createS3Client,
  formatS3Uri,
  objectKey,
  uploadFile,
  type S3ClientSettings,
  type S3Location,
} from '@tinysaver/storage';
import { basename } from 'node:path';
import { PackError, PackErrorCode } from './pack-error';

/** How long the reachability check may take before pack gives up on the endpoint. */
const CHECK_TIMEOUT_MS = 20_000;

/**
 * Builds the client (which validates the endpoint URL) and asks S3 for the bucket. A bucket that
 * does not exist or an endpoint that does not answer is refused; 403 is accepted, because
 * credentials limited to PutObject on a prefix cannot HeadBucket yet can upload.
 */
export async function openS3Target(
  settings: S3ClientSettings,
  to: S3Location,
  makeClient: (settings: S3ClientSettings) => S3Client = createS3Client,
): Promise<S3Client> {
  const client = makeClient(settings);
  const where = formatS3Uri(to.bucket);
  try {
    await client.send(new HeadBucketCommand({ Bucket: to.bucket }), {
      abortSignal: AbortSignal.timeout(CHECK_TIMEOUT_MS),
    });
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 403) return client;
    client.destroy();
    const message = String((error as { message?: unknown } | null)?.message ?? error);
    const name = (error as { name?: unknown }).name;
    throw new PackError(
      PackErrorCode.S3Unavailable,
      status === 404 || name === 'NotFound' || name === 'NoSuchBucket'
        ? `bucket ${where} does not exist at ${settings.endpoint ?? 'AWS'}; create it or fix --to. Nothing was packed.`
        : `cannot reach ${where} at ${settings.endpoint ?? 'AWS'} (${typeof name === 'string' ? `${name}: ` : ''}${message}); check S3_ENDPOINT, S3_REGION and the credentials. Nothing was packed.`,
    );
  }
  return client;
}

/**
 * Uploads the shards, then the manifest (a manifest in S3 always points at shards that are
 * there). On failure the local output is complete, so the error says how to finish by hand.
 */
export async function uploadPack(
  client: S3Client,
  files: readonly string[],
  to: S3Location,
  options: { output: string; log: (line: string) => void },
): Promise<void> {
  for (const file of files) {
    const name = basename(file);
    const key = objectKey(to, name);
    try {
      await uploadFile(client, file, { bucket: to.bucket, key, contentType: contentTypeOf(name) });
    } catch (error) {
      const message = String((error as { message?: unknown } | null)?.message ?? error);
      const target = formatS3Uri(to.bucket, to.prefix);
      throw new PackError(
        PackErrorCode.UploadFailed,
        `${message}\nThe shards and manifest.json in '${options.output}' are complete; only the upload failed. To retry, upload that folder's files yourself, shards first and manifest.json last (e.g. aws s3 cp '${options.output}' ${target}/ --recursive --exclude manifest.json, then the manifest), or delete '${options.output}' and run this command again.`,
      );
    }
    options.log(`  uploaded ${formatS3Uri(to.bucket, key)}`);
  }
}

function contentTypeOf(name: string): string {
  if (name.endsWith('.json')) return 'application/json';
  return name.endsWith('.gz') ? 'application/gzip' : 'application/x-tar';
}
