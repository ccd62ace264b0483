// What the waits show: a progress bar for searches, a spinner for models. Pure: the terminal
// handling is in watch.ts.
import type { ModelView, SearchView } from '@tinysaver/contracts';
import { formatDuration } from './format';

export const SPINNER_FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] as const;

/** `[██████░░░░]`: `done` of `total` over `width` cells (empty when total is 0). */
export function renderBar(done: number, total: number, width: number): string {
  const fraction = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  const filled = Math.floor(fraction * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}]`;
}

/** `running · records 3/8 (37%)`: a search's state in words (no time, no bar). */
export function describeSearchProgress(view: Pick<SearchView, 'status' | 'progress'>): string {
  const { done, total, phase } = view.progress;
  const percent = total > 0 ? Math.floor((100 * done) / total) : 0;
  const records = `records ${done}/${total} (${percent}%)`;
  const phaseText = phase === 'aggregating' ? ' · aggregating' : '';
  return `${view.status} · ${records}${phaseText}`;
}

/**
 * One line of a search's progress: `search <id>  [bar]  running · records 3/8 (37%)  0:12`. The
 * bar is left out for plain (non-terminal) output.
 */
export function renderSearchProgress(
  view: Pick<SearchView, 'id' | 'status' | 'progress'>,
  elapsedMs: number,
  options: { readonly bar: boolean; readonly width?: number } = { bar: true },
): string {
  const bar = options.bar
    ? `  ${renderBar(view.progress.done, view.progress.total, options.width ?? 24)}`
    : '';
  return `search ${view.id}${bar}  ${describeSearchProgress(view)}  ${formatDuration(elapsedMs)}`;
}

/**
 * `⠹ model cnn-tiny: profiling  0:03` (`frame` counts up on every redraw); without a frame, the
 * plain line `model cnn-tiny: profiling  0:03`.
 */
export function renderModelWait(
  view: Pick<ModelView, 'name' | 'status'>,
  elapsedMs: number,
  frame?: number,
): string {
  const spinner = frame === undefined ? '' : `${SPINNER_FRAMES[frame % SPINNER_FRAMES.length]} `;
  return `${spinner}model ${view.name}: ${view.status}  ${formatDuration(elapsedMs)}`;
}
