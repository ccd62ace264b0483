import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, RequestHandler, Response } from 'express';
import { digestKey, type AdminKeys } from '../auth/api-keys';
import { ApiError } from '../common/api-error';
import type { ApiConfig } from '../config/api-config';
import { ApiConfigToken } from '../config/api-config.provider';

/** Sent with every admin 401: it is what makes a browser ask for a user and password. */
export const ADMIN_CHALLENGE = 'Basic realm="tinysaver-admin"';

/**
 * The key in `Authorization`: `Bearer <key>`, or HTTP Basic with any user name and the key as
 * password (browsers can only do Basic). Undefined when there is none.
 */
export function presentedAdminKey(header: string | undefined): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (bearer) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/]+=*)\s*$/i.exec(header ?? '');
  if (!basic) return undefined;
  const credentials = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = credentials.indexOf(':');
  // The password is everything after the first ':' (RFC 7617); the user name is ignored.
  return colon >= 0 && colon < credentials.length - 1 ? credentials.slice(colon + 1) : undefined;
}

/**
 * Throws the ApiError an admin route answers with, or returns when the request carries an
 * admin key. Tenant API keys are checked against ADMIN_KEYS only, so they never pass here.
 */
export function authorizeAdmin(adminKeys: AdminKeys, header: string | undefined): void {
  if (adminKeys.size === 0)
    throw new ApiError(
      403,
      'admin-disabled',
      'Admin routes are disabled; set ADMIN_KEYS on the API to use /metrics and /admin/queues.',
    );
  const key = presentedAdminKey(header);
  if (key === undefined)
    throw new ApiError(
      401,
      'missing-admin-key',
      "Send an admin key as 'Authorization: Bearer <key>' or as the password of HTTP Basic auth.",
    );
  if (!adminKeys.has(digestKey(key)))
    throw new ApiError(
      401,
      'invalid-admin-key',
      'The admin key is not valid (a tenant API key is not an admin key); use one of ADMIN_KEYS.',
    );
}

function challengeOn401(response: Response, error: unknown): void {
  if (error instanceof ApiError && error.getStatus() === 401)
    response.setHeader('WWW-Authenticate', ADMIN_CHALLENGE);
}

/** For Nest routes (`/metrics`): mark them `@Public()` for the tenant guard, then use this. */
@Injectable()
export class AdminKeyGuard implements CanActivate {
  constructor(@Inject(ApiConfigToken) private readonly config: ApiConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    try {
      authorizeAdmin(this.config.adminKeys, http.getRequest<Request>().headers.authorization);
    } catch (error) {
      challengeOn401(http.getResponse<Response>(), error);
      throw error;
    }
    return true;
  }
}

/**
 * The same check for plain Express routers (bull-board is not a Nest controller). It answers
 * itself, as ErrorFilter would render the ApiError: passing the error on with next() would also
 * work, but would leave the router first, and the request would be measured as `unmatched`
 * rather than under the dashboard's mount point.
 */
export function adminAuthMiddleware(adminKeys: AdminKeys): RequestHandler {
  return (request, response, next) => {
    try {
      authorizeAdmin(adminKeys, request.headers.authorization);
    } catch (error) {
      if (!(error instanceof ApiError)) return next(error);
      challengeOn401(response, error);
      response.status(error.getStatus()).json(error.getResponse());
      return;
    }
    next();
  };
}
