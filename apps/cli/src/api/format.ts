// Number formats of the human output. Pure.

/** 7840 → `7.84 K`, 9345920 → `9.35 M`; exact below a thousand. */
export function formatCount(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(2)} K`;
  return String(n);
}

/** A fraction as a percentage: 0.8525 → `85.25%` (digits after the point). */
export function formatPercent(fraction: number, digits = 1): string {
  return `${(100 * fraction).toFixed(digits)}%`;
}

/** Percentage points: 0.4 → `0.40pt`. */
export function formatPoints(points: number): string {
  return `${points.toFixed(2)}pt`;
}

/** 0 → `0:00`, 75 000 → `1:15`, 3 725 000 → `1:02:05`. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** ISO time → `2025-01-02 03:04` (UTC), or the text itself when it does not parse. */
export function formatTime(iso: string): string {
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : t.toISOString().slice(0, 16).replace('T', ' ');
}
