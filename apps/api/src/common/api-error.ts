import { HttpException } from '@nestjs/common';

/**
 * Every error the API answers with: an HTTP status, a stable machine-readable code and one
 * sentence that names the fix. Rendered as `{ "error": { "code", "message" } }`.
 */
export class ApiError extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    message: string,
  ) {
    super({ error: { code, message } }, status);
  }
}

export const badRequest = (code: string, message: string) => new ApiError(400, code, message);
export const notFound = (code: string, message: string) => new ApiError(404, code, message);
export const conflict = (code: string, message: string) => new ApiError(409, code, message);

/** For listings: a document that vanished between the listing and the read is left out. */
export function unlessNotFound<T>(code: string): (error: unknown) => T | undefined {
  return (error) => {
    if (error instanceof ApiError && error.code === code) return undefined;
    throw error;
  };
}

/**
 * A tenant's documents listed by folder and shown with `get`, newest first; a folder whose
 * document vanished between listing and reading (`missingCode`) is left out, any other error is not.
 */
export async function listNewestFirst<T extends { readonly createdAt: string }>(
  ids: readonly string[],
  get: (id: string) => Promise<T>,
  missingCode: string,
): Promise<T[]> {
  const views: (T | undefined)[] = await Promise.all(
    ids.map((id) => get(id).catch(unlessNotFound<T>(missingCode))),
  );
  return views
    .filter((v): v is T => v !== undefined)
    .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
}
