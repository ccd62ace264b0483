import type { S3ClientSettings } from '@tinysaver/storage';

/** The environment variables the CLI's S3 access reads, and nothing else. */
export interface S3Env {
  readonly S3_ENDPOINT?: string;
  readonly S3_REGION?: string;
  readonly AWS_REGION?: string;
  readonly AWS_ACCESS_KEY_ID?: string;
  readonly AWS_SECRET_ACCESS_KEY?: string;
}

/**
 * Reads S3 settings once, from the environment (the only place the CLI looks at it):
 * `S3_ENDPOINT` (empty = AWS), `S3_REGION` (or `AWS_REGION`), and `AWS_ACCESS_KEY_ID` +
 * `AWS_SECRET_ACCESS_KEY` — when both are absent the SDK's own chain (profiles, instance roles)
 * applies. Throws with the variable to set when the settings cannot work.
 */
export function readS3Settings(env: S3Env = process.env): S3ClientSettings {
  const region = (env.S3_REGION ?? '').trim() || (env.AWS_REGION ?? '').trim();
  if (region === '') {
    throw new Error(
      "S3_REGION is not set; set it to the bucket's region (any value, e.g. us-east-1, for a local S3 server).",
    );
  }
  const accessKeyId = (env.AWS_ACCESS_KEY_ID ?? '').trim();
  const secretAccessKey = (env.AWS_SECRET_ACCESS_KEY ?? '').trim();
  if ((accessKeyId === '') !== (secretAccessKey === '')) {
    throw new Error(
      `${accessKeyId === '' ? 'AWS_ACCESS_KEY_ID' : 'AWS_SECRET_ACCESS_KEY'} is not set while its partner is; set both, or neither to use the AWS profile/instance credentials.`,
    );
  }
  const endpoint = (env.S3_ENDPOINT ?? '').trim();
  return Object.freeze({
    endpoint: endpoint === '' ? undefined : endpoint,
    region,
    forcePathStyle: endpoint !== '',
    credentials: accessKeyId === '' ? undefined : Object.freeze({ accessKeyId, secretAccessKey }),
  });
}
