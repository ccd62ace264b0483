import type { ModelFile } from './compute-protocol';
import type { OpenSession } from './ort-session';

/**
 * Keeps the sessions of recently used models open, least recently used evicted first, bounded by
 * the total size of their model files (a session's memory is roughly its weights). The model
 * being asked for is always kept, even when it alone exceeds the bound.
 */
export class SessionCache {
  private readonly entries = new Map<string, { bytes: number; open: Promise<OpenSession> }>();
  private total = 0;

  constructor(
    private readonly limitBytes: number,
    private readonly open: (model: ModelFile) => Promise<OpenSession>,
  ) {}

  get(model: ModelFile): Promise<OpenSession> {
    const hit = this.entries.get(model.sha256);
    if (hit) {
      // Re-insert: Map iteration order is our recency order.
      this.entries.delete(model.sha256);
      this.entries.set(model.sha256, hit);
      return hit.open;
    }
    const open = this.open(model);
    // A model that fails to load is not cached: the next job may bring a fixed file.
    open.catch(() => this.drop(model.sha256));
    this.entries.set(model.sha256, { bytes: model.bytes, open });
    this.total += model.bytes;
    this.evict(model.sha256);
    return open;
  }

  get size(): number {
    return this.entries.size;
  }

  async clear(): Promise<void> {
    for (const sha of [...this.entries.keys()]) await this.release(sha);
  }

  private evict(keep: string): void {
    for (const sha of this.entries.keys()) {
      if (this.total <= this.limitBytes) break;
      if (sha !== keep) void this.release(sha);
    }
  }

  private drop(sha: string): { open: Promise<OpenSession> } | undefined {
    const entry = this.entries.get(sha);
    if (!entry) return undefined;
    this.entries.delete(sha);
    this.total -= entry.bytes;
    return entry;
  }

  private async release(sha: string): Promise<void> {
    const entry = this.drop(sha);
    if (!entry) return;
    try {
      await (await entry.open).session.release();
    } catch {
      // A session that never opened has nothing to release.
    }
  }
}
