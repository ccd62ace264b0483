import type { ResolvedPreprocess } from './preprocess-config';

export interface Size {
  readonly width: number;
  readonly height: number;
}

export interface ResizePlan {
  /** Size to resample the decoded image to; undefined when it already has that size. */
  readonly resize: Size | undefined;
  /** Centre crop taken from the (resized) image: exactly the model's H×W. */
  readonly crop: { readonly left: number; readonly top: number } & Size;
}

/** Python 3's `round`: halves go to the even neighbour (torchvision's centre crop uses it). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * timm's evaluation transform, as numbers: `scale = floor(H / cropPct)`; a square input resizes
 * the shorter side to `scale` keeping the aspect ratio (torchvision `Resize(int)`: the long side
 * becomes `floor(scale · long / short)`), a non-square one resizes to `floor(H / cropPct) ×
 * floor(W / cropPct)`; then a centre crop of H×W at `round((side − crop) / 2)`.
 */
export function planResize(image: Size, p: ResolvedPreprocess): ResizePlan {
  const [, h, w] = p.inputSize;
  let target: Size;
  if (h === w) {
    const scale = Math.floor(h / p.cropPct);
    const short = Math.min(image.width, image.height);
    const long = Math.max(image.width, image.height);
    const newLong = Math.floor((scale * long) / short);
    target =
      image.width <= image.height
        ? { width: scale, height: newLong }
        : { width: newLong, height: scale };
  } else {
    target = { width: Math.floor(w / p.cropPct), height: Math.floor(h / p.cropPct) };
  }
  const same = target.width === image.width && target.height === image.height;
  return {
    resize: same ? undefined : target,
    crop: {
      left: roundHalfEven((target.width - w) / 2),
      top: roundHalfEven((target.height - h) / 2),
      width: w,
      height: h,
    },
  };
}
