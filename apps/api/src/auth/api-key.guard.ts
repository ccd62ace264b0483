import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ApiError } from '../common/api-error';
import { ApiConfigToken } from '../config/api-config.provider';
import { Inject } from '@nestjs/common';
import type { ApiConfig } from '../config/api-config';
import { digestKey } from './api-keys';

const PUBLIC = 'tinysaver:public';
/** Marks a route that needs no API key (only /health). */
export const Public = () => SetMetadata(PUBLIC, true);

/** The tenant an authenticated request acts for. */
export interface TenantRequest extends Request {
  tenant: string;
}

/** `Authorization: Bearer <key>` on every route but the public ones; the key names the tenant. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(ApiConfigToken) private readonly config: ApiConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    if (
      this.reflector.getAllAndOverride<boolean>(PUBLIC, [context.getHandler(), context.getClass()])
    )
      return true;
    const request = context.switchToHttp().getRequest<TenantRequest>();
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match)
      throw new ApiError(
        401,
        'missing-api-key',
        "Send your API key as 'Authorization: Bearer <key>'.",
      );
    const tenant = this.config.apiKeys.get(digestKey(match[1]));
    if (tenant === undefined)
      throw new ApiError(
        401,
        'invalid-api-key',
        'The API key is not valid; check it or ask for a new one.',
      );
    request.tenant = tenant;
    return true;
  }
}
