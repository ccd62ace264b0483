import { CascadeError, CascadeErrorCode } from '../errors';

/** Resampling filters the farm supports (timm names). */
export const INTERPOLATIONS = ['bilinear', 'bicubic', 'nearest'] as const;
export type Interpolation = (typeof INTERPOLATIONS)[number];

/** How colour channels are laid out in the input tensor: `L` is one grey channel. */
export const CHANNEL_ORDERS = ['RGB', 'BGR', 'L'] as const;
export type ChannelOrder = (typeof CHANNEL_ORDERS)[number];

export const TENSOR_LAYOUTS = ['NCHW', 'NHWC'] as const;
export type TensorLayout = (typeof TENSOR_LAYOUTS)[number];

/** What a user may give when registering a model; everything but `inputSize` has a default. */
export interface PreprocessInput {
  /** `[C, H, W]` of one image as the model takes it. */
  readonly inputSize: readonly number[];
  /** @defaultValue `'bilinear'` */
  readonly interpolation?: Interpolation;
  /** Resize the shorter side to `floor(H / cropPct)`, then centre-crop H×W. @defaultValue 0.875 (timm) */
  readonly cropPct?: number;
  /** Per channel, on values scaled to [0, 1]. @defaultValue ImageNet's (grey: their average) */
  readonly mean?: readonly number[];
  /** @defaultValue ImageNet's (grey: their average) */
  readonly std?: readonly number[];
  /** @defaultValue `'RGB'` for 3 channels, `'L'` for 1 */
  readonly channels?: ChannelOrder;
  /** @defaultValue `'NCHW'` */
  readonly layout?: TensorLayout;
}

/** A preprocessing with every field decided: the thing records are keyed by. */
export interface ResolvedPreprocess {
  readonly inputSize: readonly [number, number, number];
  readonly interpolation: Interpolation;
  readonly cropPct: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly channels: ChannelOrder;
  readonly layout: TensorLayout;
}

export const DEFAULT_CROP_PCT = 0.875;
const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
const IMAGENET_STD = [0.229, 0.224, 0.225] as const;
/** Largest side we accept: bigger inputs are almost certainly a typo and would exhaust memory. */
const MAX_SIDE = 4096;

function invalid(what: string): CascadeError {
  return new CascadeError(CascadeErrorCode.PreprocessInvalid, `Preprocessing is invalid: ${what}.`);
}

const average = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;

function perChannel(
  name: 'mean' | 'std',
  given: readonly number[] | undefined,
  fallback: readonly number[],
  c: number,
): number[] {
  const values = given ? [...given] : c === 3 ? [...fallback] : [average(fallback)];
  if (values.length !== c)
    throw invalid(
      `${name} has ${values.length} values but inputSize has ${c} channel(s); give one per channel`,
    );
  for (const v of values) {
    if (!Number.isFinite(v)) throw invalid(`${name} holds ${v}; use finite numbers`);
    if (name === 'std' && v <= 0) throw invalid(`std holds ${v}; every std must be > 0`);
  }
  return values;
}

/**
 * Fills in defaults the way timm's `resolve_data_config` does and checks every field, so two
 * registrations that mean the same pipeline resolve to the same object (and the same records).
 */
export function resolvePreprocess(input: PreprocessInput): ResolvedPreprocess {
  const size = input.inputSize;
  if (
    !Array.isArray(size) ||
    size.length !== 3 ||
    !size.every((d) => Number.isInteger(d) && d >= 1 && d <= MAX_SIDE)
  )
    throw invalid(
      `inputSize must be [C, H, W] with positive integers up to ${MAX_SIDE}, e.g. [3, 224, 224]; got ${JSON.stringify(size)}`,
    );
  const [c, h, w] = size as [number, number, number];
  if (c !== 1 && c !== 3)
    throw invalid(`inputSize has ${c} channels; the farm feeds 1 (grey) or 3 (colour) channels`);
  const channels = input.channels ?? (c === 3 ? 'RGB' : 'L');
  if (!CHANNEL_ORDERS.includes(channels))
    throw invalid(`channels '${String(channels)}' is not one of ${CHANNEL_ORDERS.join(', ')}`);
  if ((channels === 'L') !== (c === 1))
    throw invalid(
      `channels '${channels}' does not fit ${c} input channel(s); use 'L' for 1, 'RGB' or 'BGR' for 3`,
    );
  const interpolation = input.interpolation ?? 'bilinear';
  if (!INTERPOLATIONS.includes(interpolation))
    throw invalid(
      `interpolation '${String(interpolation)}' is not one of ${INTERPOLATIONS.join(', ')}`,
    );
  const cropPct = input.cropPct ?? DEFAULT_CROP_PCT;
  if (!(typeof cropPct === 'number' && cropPct > 0 && cropPct <= 1))
    throw invalid(`cropPct must be in (0, 1], got ${String(cropPct)}`);
  const layout = input.layout ?? 'NCHW';
  if (!TENSOR_LAYOUTS.includes(layout))
    throw invalid(`layout '${String(layout)}' is not one of ${TENSOR_LAYOUTS.join(', ')}`);
  return {
    inputSize: [c, h, w],
    interpolation,
    cropPct,
    mean: perChannel('mean', input.mean, IMAGENET_MEAN, c),
    std: perChannel('std', input.std, IMAGENET_STD, c),
    channels,
    layout,
  };
}

/**
 * One canonical text per resolved preprocessing (fixed field order), the part of a record's
 * content key that says how pixels became a tensor.
 */
export function canonicalPreprocess(p: ResolvedPreprocess): string {
  return JSON.stringify({
    inputSize: p.inputSize,
    interpolation: p.interpolation,
    cropPct: p.cropPct,
    mean: p.mean,
    std: p.std,
    channels: p.channels,
    layout: p.layout,
  });
}
