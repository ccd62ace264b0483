import { CHANNEL_ORDERS, INTERPOLATIONS, TENSOR_LAYOUTS } from '@tinysaver/cascade';
import { z } from 'zod';

export const NAME = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/,
    "use 1–128 letters, digits, '.', '_' or '-', starting with a letter or digit",
  );

/** What a user gives about preprocessing; resolvePreprocess fills the rest (timm defaults). */
export const PreprocessBody = z
  .object({
    inputSize: z.array(z.number()),
    interpolation: z.enum(INTERPOLATIONS).optional(),
    cropPct: z.number().optional(),
    mean: z.array(z.number()).optional(),
    std: z.array(z.number()).optional(),
    channels: z.enum(CHANNEL_ORDERS).optional(),
    layout: z.enum(TENSOR_LAYOUTS).optional(),
  })
  .strict();

/** `POST /v1/models`: with `uri`, register an object already in the bucket. */
export const RegisterModelBody = z
  .object({
    name: NAME,
    uri: z.string().max(2048).optional(),
    preprocess: PreprocessBody,
  })
  .strict();
export type RegisterModelBody = z.infer<typeof RegisterModelBody>;
