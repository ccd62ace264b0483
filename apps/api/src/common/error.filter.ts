import {
  BadRequestException,
  Catch,
  HttpException,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { Response } from 'express';
import { ApiError } from './api-error';

/** Express/body-parser failures, by their `type`, as codes a client can act on. */
const BODY_ERRORS: Record<string, [number, string, string]> = {
  'entity.parse.failed': [
    400,
    'malformed-json',
    'The request body is not valid JSON; send a JSON object.',
  ],
  'entity.too.large': [
    413,
    'body-too-large',
    'The request body is over the size limit; send a smaller body.',
  ],
  'encoding.unsupported': [415, 'unsupported-encoding', 'Send the body as UTF-8 JSON.'],
};

/**
 * Renders every failure as `{ error: { code, message } }`. Unknown errors become a 500 with a
 * generic sentence (the details go to the log, not to the client).
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const [status, body] = render(error);
    if (status >= 500) console.error(error);
    response.status(status).json(body);
  }
}

function render(error: unknown): [number, unknown] {
  if (error instanceof ApiError) return [error.getStatus(), error.getResponse()];
  const type = (error as { type?: unknown } | null)?.type;
  if (typeof type === 'string' && type in BODY_ERRORS) {
    const [status, code, message] = BODY_ERRORS[type];
    return [status, { error: { code, message } }];
  }
  // Nest turns body-parser's JSON SyntaxError into a plain BadRequestException before filters
  // see it; the API raises no BadRequestException of its own (it uses ApiError), so this is it.
  if (error instanceof BadRequestException) {
    const [status, code, message] = BODY_ERRORS['entity.parse.failed'];
    return [status, { error: { code, message } }];
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === 404)
      return [
        404,
        { error: { code: 'route-not-found', message: 'No such route; see /docs for the API.' } },
      ];
    return [status, { error: { code: `http-${status}`, message: error.message } }];
  }
  return [
    500,
    {
      error: {
        code: 'internal',
        message: 'The API failed unexpectedly; try again, and report it if it persists.',
      },
    },
  ];
}
