import { parseS3Uri, StorageError } from '@tinysaver/storage';
import { badRequest } from '../common/api-error';

/**
 * Checks that a URI a user gave points inside the farm's bucket and root prefix: the API and
 * workers read only there, so a request can never make them fetch anything else (no SSRF).
 */
export function insideFarm(
  uri: string,
  bucket: string,
  prefix: string,
): { bucket: string; key: string } {
  let location;
  try {
    location = parseS3Uri(uri);
  } catch (error) {
    if (error instanceof StorageError) throw badRequest('invalid-uri', `${error.message}`);
    throw error;
  }
  const root = prefix ? `${prefix}/` : '';
  if (location.bucket !== bucket || !location.prefix.startsWith(root) || location.prefix === '')
    throw badRequest(
      'uri-outside-bucket',
      `'${uri}' is outside the farm's storage; upload the object below s3://${bucket}/${root} and register that URI.`,
    );
  return { bucket: location.bucket, key: location.prefix };
}
