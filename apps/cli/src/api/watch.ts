// Waiting on the farm: a search until it ends, a model until it is profiled. Progress goes to
// stderr — one redrawn line on a terminal, plain lines (on change, or every heartbeat) otherwise —
// so stdout stays the command's answer.
import type { ModelView, SearchView } from '@tinysaver/contracts';
import type { CliIo, FarmApi } from './io';
import { renderModelWait, renderSearchProgress } from './progress';

export const SEARCH_ENDED: readonly SearchView['status'][] = ['completed', 'failed', 'cancelled'];

/** A status line on stderr that redraws itself on a terminal and prints lines otherwise. */
export class ProgressLine {
  private drawn = false;
  private lastKey: string | undefined;
  private lastPrintedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly io: CliIo) {}

  get tty(): boolean {
    return this.io.errIsTty;
  }

  /** Shows `line`; without a terminal only when `key` changed or a heartbeat is due. */
  update(line: string, key: string): void {
    if (this.io.errIsTty) {
      this.io.writeErr(`\r${line}\x1b[K`);
      this.drawn = true;
      return;
    }
    const now = this.io.now();
    if (key !== this.lastKey || now - this.lastPrintedAt >= this.io.heartbeatMs) {
      this.io.err(line);
      this.lastKey = key;
      this.lastPrintedAt = now;
    }
  }

  /** Ends the redrawn line, so what follows starts on its own line. */
  finish(): void {
    if (this.drawn) this.io.writeErr('\n');
    this.drawn = false;
  }
}

function elapsedSince(iso: string, io: CliIo, fallback: number): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? io.now() - fallback : Math.max(0, io.now() - t);
}

/** Polls a search until it is completed, failed or cancelled; returns its last view. */
export async function watchSearch(
  client: FarmApi,
  id: string,
  io: CliIo,
  first?: SearchView,
): Promise<SearchView> {
  const line = new ProgressLine(io);
  const started = io.now();
  let view = first ?? (await client.search(id));
  try {
    for (;;) {
      const key = `${view.status} ${view.progress.phase} ${view.progress.done}/${view.progress.total}`;
      line.update(
        renderSearchProgress(view, elapsedSince(view.createdAt, io, started), { bar: line.tty }),
        key,
      );
      if (SEARCH_ENDED.includes(view.status)) return view;
      await io.sleep(io.pollMs);
      view = await client.search(id);
    }
  } finally {
    line.finish();
  }
}

/**
 * Polls a model while `pending(status)` holds (e.g. awaiting its upload to register, or being
 * profiled); returns its last view.
 */
export async function waitForModel(
  client: FarmApi,
  name: string,
  io: CliIo,
  pending: (status: ModelView['status']) => boolean,
  first?: ModelView,
): Promise<ModelView> {
  const line = new ProgressLine(io);
  const started = io.now();
  let view = first ?? (await client.model(name));
  let frame = 0;
  try {
    for (;;) {
      if (!pending(view.status)) return view;
      line.update(
        renderModelWait(view, io.now() - started, line.tty ? frame : undefined),
        view.status,
      );
      frame += 1;
      await io.sleep(io.pollMs);
      view = await client.model(name);
    }
  } finally {
    line.finish();
  }
}
