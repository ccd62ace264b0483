// Numbers as the report prints them. Locale-free (the same page on every machine), and a
// non-finite value prints as a dash rather than "NaN".

const DASH = '—';
const MINUS = '−';

const finite = (x: number | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

/** Fixed decimals with a real minus sign. */
export function fixed(x: number | undefined, digits: number): string {
  if (!finite(x)) return DASH;
  const text = x.toFixed(digits);
  // -0.000 is zero.
  if (/^-0\.?0*$/.test(text)) return text.slice(1);
  return text.startsWith('-') ? MINUS + text.slice(1) : text;
}

/** A signed number: +0.120, −0.412. */
export function signed(x: number | undefined, digits: number): string {
  const text = fixed(x, digits);
  return finite(x) && !text.startsWith(MINUS) && Number(text) !== 0 ? `+${text}` : text;
}

/** A small ratio (a saver's MACs over its base's): 0.133, or 1.5e−5 below a thousandth. */
export function share(x: number | undefined): string {
  if (!finite(x)) return DASH;
  if (x === 0 || Math.abs(x) >= 0.001) return fixed(x, 3);
  const [mantissa, exponent] = x.toExponential(1).split('e');
  return `${fixed(Number(mantissa), 1)}e${fixed(Number(exponent), 0)}`;
}

/** A fraction as a percentage: 0.8521 → 85.21 %. */
export function percent(x: number | undefined, digits = 2): string {
  return finite(x) ? `${fixed(x * 100, digits)} %` : DASH;
}

/** Percentage points: 0.42 pp. */
export function points(x: number | undefined, digits = 2): string {
  return finite(x) ? `${fixed(x, digits)} pp` : DASH;
}

/** An integer with thin-space thousands: 2 500, 1 234 567. */
export function integer(x: number | undefined): string {
  if (!finite(x)) return DASH;
  const sign = x < 0 ? MINUS : '';
  return (
    sign +
    Math.round(Math.abs(x))
      .toString()
      .replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f')
  );
}

const SI = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
] as const;

/** A count with an SI prefix and three significant digits: 7.84 k, 4.10 G (MACs). */
export function si(x: number | undefined): string {
  if (!finite(x)) return DASH;
  for (const [scale, prefix] of SI)
    if (Math.abs(x) >= scale) return `${(x / scale).toPrecision(3)} ${prefix}`;
  return String(Math.round(x));
}

/** Milliseconds as s or ms: 1.23 s, 456 ms. */
export function duration(ms: number | undefined): string {
  if (!finite(ms)) return DASH;
  return ms >= 1000 ? `${fixed(ms / 1000, 2)} s` : `${fixed(ms, 0)} ms`;
}

/** A confidence threshold τ: three decimals (the grid's step), more when it is off the grid. */
export function threshold(x: number | undefined): string {
  if (!finite(x)) return DASH;
  const three = x.toFixed(3);
  return Number(three) === x ? three : String(Number(x.toPrecision(6)));
}
