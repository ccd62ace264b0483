import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { badRequest } from './api-error';

/** Validates a body (or query) with a zod schema: 400 `invalid-request` naming every bad field. */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(
    private readonly schema: S,
    private readonly what = 'request body',
  ) {}

  transform(value: unknown): z.infer<S> {
    const result = this.schema.safeParse(value);
    if (result.success) return result.data;
    const problems = result.error.issues
      .map((issue) => `${issue.path.length ? issue.path.join('.') : '(body)'}: ${issue.message}`)
      .join('; ');
    throw badRequest('invalid-request', `The ${this.what} is invalid: ${problems}.`);
  }
}
