import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Response } from 'express';
import { presentedAdminKey } from '../admin/admin-auth';
import type { TenantRequest } from '../auth/api-key.guard';
import { digestKey, type ApiKeys } from '../auth/api-keys';
import { ApiError } from '../common/api-error';
import type { ApiConfig } from '../config/api-config';
import { ApiConfigToken } from '../config/api-config.provider';

/** Sent with the docs' 401s: it is what makes a browser ask for a user and password. */
export const DOCS_CHALLENGE = 'Basic realm="tinysaver"';

/**
 * The tenant a request's key names: a tenant API key sent as `Bearer <key>` or as the password
 * of HTTP Basic (any user name), looked up by digest in API_KEYS as the tenant guard does.
 */
export function docsTenant(apiKeys: ApiKeys, header: string | undefined): string {
  const key = presentedAdminKey(header);
  if (key === undefined)
    throw new ApiError(
      401,
      'missing-api-key',
      "Send your API key as 'Authorization: Bearer <key>' or as the password of HTTP Basic auth.",
    );
  const tenant = apiKeys.get(digestKey(key));
  if (tenant === undefined)
    throw new ApiError(
      401,
      'invalid-api-key',
      'The API key is not valid; check it or ask for a new one.',
    );
  return tenant;
}

/**
 * For /docs (marked `@Public()` for the tenant guard, which takes Bearer only): a tenant key as
 * Bearer or Basic, so a browser can open the page; every 401 carries the Basic challenge.
 */
@Injectable()
export class DocsKeyGuard implements CanActivate {
  constructor(@Inject(ApiConfigToken) private readonly config: ApiConfig) {}

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const request = http.getRequest<TenantRequest>();
    try {
      request.tenant = docsTenant(this.config.apiKeys, request.headers.authorization);
    } catch (error) {
      if (error instanceof ApiError && error.getStatus() === 401)
        http.getResponse<Response>().setHeader('WWW-Authenticate', DOCS_CHALLENGE);
      throw error;
    }
    return true;
  }
}
