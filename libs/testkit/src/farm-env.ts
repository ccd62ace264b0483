import { S3RVER_CREDENTIALS } from '@tinysaver/storage/testing';

/**
 * The environment an app (API or worker) needs to join a test farm: the local Redis under its
 * own queue prefix, and an s3rver bucket with the farm's data below `farm/`.
 */
export function farmEnv(farm: {
  readonly redisUrl: string;
  readonly queuePrefix: string;
  readonly s3Endpoint: string;
  readonly bucket: string;
}): Record<string, string> {
  return {
    REDIS_URL: farm.redisUrl,
    QUEUE_PREFIX: farm.queuePrefix,
    S3_ENDPOINT: farm.s3Endpoint,
    S3_BUCKET: farm.bucket,
    S3_PREFIX: 'farm',
    S3_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
  };
}
