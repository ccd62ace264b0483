import { Inject, Injectable } from '@nestjs/common';
import type { CurveView } from '@tinysaver/contracts';
import { renderSearchReport, SPLITS } from '@tinysaver/report';
import { CascadeRunsService } from '../cascade-runs/cascade-runs.service';
import { ReportAssetsToken, type ReportAssets } from './report-assets';
import { SearchesService } from './searches.service';

/** Curves asked of the analysis thread at once: it answers one at a time anyway. */
const CURVE_CONCURRENCY = 4;

const pairKey = (saver: string, base: string) => JSON.stringify([saver, base]);

/**
 * A completed search's report page: its results, the grid curves of each base's ranked savers
 * on both splits (computed in the analysis thread), and the tenant's cascade runs of the
 * search's pairs, rendered by libs/report into one self-contained HTML document.
 */
@Injectable()
export class ReportService {
  constructor(
    private readonly searches: SearchesService,
    private readonly cascadeRuns: CascadeRunsService,
    @Inject(ReportAssetsToken) private readonly assets: ReportAssets,
  ) {}

  async render(tenant: string, id: string): Promise<string> {
    // 404 for no such search, 409 until it completed.
    const results = await this.searches.resultsOf(tenant, id);
    const spec = await this.searches.spec(tenant, id);
    const pairs = new Set(spec.plan.flatMap((p) => p.savers.map((s) => pairKey(s, p.base))));
    const wanted = results.bases.flatMap((base) =>
      base.savers.flatMap((saver) =>
        SPLITS.map((split) => ({ base: base.model, saver: saver.model, split })),
      ),
    );
    const [curves, runs] = await Promise.all([
      mapBounded(wanted, CURVE_CONCURRENCY, (p): Promise<CurveView> =>
        this.searches.curve(tenant, id, p.base, p.saver, { split: p.split, exact: false }),
      ),
      this.cascadeRuns.list(tenant),
    ]);
    return renderSearchReport({
      results,
      curves,
      cascadeRuns: runs.filter((r) => pairs.has(pairKey(r.request.saver, r.request.base))),
      assets: this.assets,
      generatedAt: new Date().toISOString(),
    });
  }
}

/** `items.map(work)` with at most `limit` calls in flight; results in input order. */
async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return out;
}
