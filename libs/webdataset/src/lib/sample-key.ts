/**
 * WebDataset naming: a member `dir/base.ext` belongs to sample `dir/base`, where the basename is
 * split at its *first* dot (webdataset's `base_plus_ext`), so `a/b.seg.png` is key `a/b` with
 * extension `seg.png`. Extensions compare lower-cased, as webdataset does by default.
 */

/** One member name taken apart; undefined when the name has no `<key>.<ext>` shape. */
export interface MemberName {
  readonly key: string;
  readonly extension: string;
}

/**
 * Splits a member name into key and extension. A leading `./` (GNU tar run on `.`) is dropped so
 * the same files packed either way give the same keys. Absolute names, `..` segments, empty
 * segments and names whose basename starts with a dot are refused.
 */
export function splitMemberName(name: string): MemberName | undefined {
  let path = name;
  while (path.startsWith('./')) path = path.slice(2);
  if (path === '' || path.startsWith('/') || path.includes('\0')) return undefined;
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash + 1);
  const base = path.slice(slash + 1);
  if (
    dir
      .split('/')
      .some(
        (segment, i, all) =>
          i < all.length - 1 && (segment === '' || segment === '..' || segment === '.'),
      )
  ) {
    return undefined;
  }
  const dot = base.indexOf('.');
  if (dot <= 0 || dot === base.length - 1) return undefined;
  return { key: dir + base.slice(0, dot), extension: base.slice(dot + 1).toLowerCase() };
}

/**
 * Keys the writer accepts: ASCII letters, digits, `_` and `-`, optionally below directories
 * (which may also hold dots but not start with one). Narrower than what the reader accepts, so
 * everything we write survives every tar tool and webdataset's own key split unchanged.
 */
const WRITABLE_KEY = /^(?:[A-Za-z0-9_-][A-Za-z0-9_.-]*\/)*[A-Za-z0-9_-]+$/;

/** Why `key` cannot be written, or undefined when it can. */
export function sampleKeyProblem(key: string): string | undefined {
  if (key === '') return 'it is empty';
  if (!WRITABLE_KEY.test(key)) {
    return key.slice(key.lastIndexOf('/') + 1).includes('.')
      ? 'its basename contains a dot, and webdataset splits the extension at the first dot of the basename'
      : 'use ASCII letters, digits, "_" and "-", with "/" between directory segments';
  }
  return undefined;
}
