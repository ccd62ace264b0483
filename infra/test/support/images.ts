/** What "pinned" means for an image reference, shared by the Dockerfile and compose tests. */

/**
 * Pinned: a digest, or a tag naming one exact release — a three-part version (`20.20.2-…`,
 * `12.8.1-…`, `7.4.6-alpine`) or MinIO's dated `RELEASE.2025-04-22T22-12-26Z`. `latest`, no
 * tag, or a moving tag (`20`, `7.4`, `bookworm`) is not.
 */
export function isPinnedImage(reference: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(reference)) return true;
  const tag = /:([\w][\w.-]{0,127})$/.exec(reference.replace(/^[^/]+:\d+\//, ''))?.[1];
  if (tag === undefined || tag === 'latest') return false;
  return /^v?\d+\.\d+\.\d+(?:[-.][\w.-]+)?$/.test(tag) || /^RELEASE\.\d{4}-\d\d-\d\dT/.test(tag);
}
