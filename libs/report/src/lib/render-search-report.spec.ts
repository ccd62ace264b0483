import { sampleSearch, SAMPLE_MODELS, type SampleSearch } from '../testing/sample-search';
import { chartSpecs } from './chart-data';
import { DATA_ELEMENT_ID } from './chart-script';
import { escapeHtml } from './html';
import type { SearchReportData } from './render-search-report';
import { REPORT_CONTENT_SECURITY_POLICY, renderSearchReport } from './render-search-report';

const ASSETS = {
  uplotJs: 'var uPlot = function () { /* UPLOT-JS-MARKER */ };',
  uplotCss: '.uplot { /* UPLOT-CSS-MARKER */ }',
};

const render = (
  search: SampleSearch,
  over: { generatedAt?: string; assets?: typeof ASSETS } = {},
) => renderSearchReport({ ...search, assets: ASSETS, ...over });

/** The embedded data block, parsed. */
function payload(page: string): SearchReportData {
  const open = `<script type="application/json" id="${DATA_ELEMENT_ID}">`;
  const start = page.indexOf(open);
  expect(start).toBeGreaterThan(0);
  const end = page.indexOf('</script>', start);
  return JSON.parse(page.slice(start + open.length, end)) as SearchReportData;
}

const count = (page: string, pattern: RegExp) => page.match(pattern)?.length ?? 0;
/** The page with each run of white space as one space (the templates are prettier-formatted). */
const flat = (page: string) => page.replace(/\s+/g, ' ');

describe('renderSearchReport', () => {
  const search = sampleSearch();
  const page = render(search);

  it('is one HTML document with its own policy, the assets inlined and nothing to fetch', () => {
    expect(page.startsWith('<!doctype html>')).toBe(true);
    expect(flat(page)).toMatch(
      /^<!doctype html> <html lang="en"> <head> <meta charset="utf-8" \/>/,
    );
    expect(page.trimEnd().endsWith('</html>')).toBe(true);
    for (const tag of ['<html', '<head>', '<body>', '</head>', '</body>', '</html>'])
      expect([tag, page.split(tag).length - 1]).toEqual([tag, 1]);
    expect(page).toContain('<meta charset="utf-8" />');
    expect(page).toContain(
      `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(REPORT_CONTENT_SECURITY_POLICY)}" />`,
    );
    expect(page).toContain('UPLOT-JS-MARKER');
    expect(page).toContain('UPLOT-CSS-MARKER');
    // The data block, uPlot, the page's script: no external script, stylesheet, font or image.
    expect(count(page, /<script\b/g)).toBe(3);
    expect(page).not.toMatch(/<script[^>]*\ssrc=|<link\b|<img\b|@import|@font-face|url\(/i);
    expect(page).not.toMatch(/(src|href)="(https?:)?\/\//i);
  });

  it('summarises the search: id, splits with sample counts, budgets and models', () => {
    const { results } = search;
    expect(page).toContain(`<title>Search ${results.id}: TinySaver report</title>`);
    expect(page).toContain(`data-field="search-id">${results.id}</dd>`);
    expect(page).toContain('<strong>sel</strong>, 400');
    expect(page).toContain('<strong>eval</strong>, 300');
    expect(page).toContain('0.01 pp, 0.50 pp, 1.00 pp of accuracy drop');
    for (const m of SAMPLE_MODELS) expect(page).toContain(`<td class="text">${m.name}</td>`);
    expect(page).toContain('title="4\u202f100\u202f000\u202f000">4.10 G</td>');
    expect(page).toContain('95 % intervals, 50 replicates (seed 7)');
  });

  it('gives every base a section with two charts and a row per ranked saver', () => {
    const { results } = search;
    for (const [i, base] of results.bases.entries()) {
      expect(page).toContain(`<section id="base-${i}" data-base="${base.model}">`);
      expect(page).toContain(`<a href="#base-${i}">${base.model}</a>`);
      for (const split of ['selection', 'evaluation'])
        expect(page).toContain(`id="chart-${i}-${split}"`);
      const table = page.slice(
        page.indexOf(`<table data-table="savers" data-base="${base.model}">`),
        page.indexOf(`<table data-table="budgets" data-base="${base.model}">`),
      );
      expect(base.savers.length).toBeGreaterThan(0);
      expect(count(table, /<tr data-saver=/g)).toBe(base.savers.length);
      for (const saver of base.savers) {
        expect(table).toContain(`<tr data-saver="${saver.model}">`);
        for (const budget of saver.budgets)
          expect(page).toContain(`<tr data-saver="${saver.model}" data-budget="${budget.drop}">`);
      }
    }
  });

  it('shows the bootstrap interval of the rank-1 saver, and the chain', () => {
    const best = search.results.bases[0].savers[0];
    const ci = best.budgets[0].ci!;
    expect(ci).toBeDefined();
    expect(flat(page)).toContain(
      'Intervals: 95 % bootstrap on the evaluation split, 50 replicates.',
    );
    const end = (x: number, scale: number, digits: number) =>
      (x * scale).toFixed(digits).replace('-', '−');
    const { computeSaving: saving, accuracyDrop: drop } = ci;
    expect(page).toContain(`[${end(saving.low, 100, 1)}, ${end(saving.high, 100, 1)}] %</td>`);
    expect(flat(page)).toContain(`[${end(drop.low, 1, 2)}, ${end(drop.high, 1, 2)}] pp</td>`);
    expect(page).toContain('<table data-table="chain" data-base="big">');
  });

  it('embeds the chart data as JSON that parses back to what was plotted', () => {
    const data = payload(page);
    expect(data).toEqual({
      v: 1,
      search: search.results.id,
      charts: chartSpecs(search.results, search.curves),
    });
    expect(data.charts).toHaveLength(search.results.bases.length * 2);
  });

  it('shows cascade runs realised against simulated, and runs still going', () => {
    const [done, running] = search.cascadeRuns;
    const row = page.slice(page.indexOf(`<tr data-run="${done.id}">`));
    expect(row).toContain(`${done.request.saver} → ${done.request.base}`);
    expect(row).toContain('budget 0.50 pp');
    expect(row).toContain('1.25 s');
    expect(row).toContain('2.98×');
    expect(page).toContain(`<tr data-run="${running.id}">`);
    expect(page).toContain('0 of 2 shards run');
    const none = render({ ...search, cascadeRuns: [] });
    expect(none).not.toContain('<table data-table="cascade-runs">');
    expect(none).toContain('No cascade run of these pairs yet');
  });

  it('depends on its inputs only, and shows generatedAt when given', () => {
    expect(render(search)).toBe(page);
    expect(page).not.toContain('Report generated');
    expect(flat(render(search, { generatedAt: '2026-11-28T15:00:00.000Z' }))).toContain(
      '<dt>Report generated</dt> <dd>2026-11-28T15:00:00.000Z</dd>',
    );
  });

  it('says so when a base has no candidate saver', () => {
    const lonely = sampleSearch([SAMPLE_MODELS[0], SAMPLE_MODELS[3]]);
    const p = render(lonely);
    expect(lonely.results.bases.map((b) => b.savers.length)).toEqual([1, 0]);
    expect(p).toContain('No cheaper model was a candidate saver for this base.');
    expect(p).toContain('no candidate saver');
  });
});

describe('renderSearchReport with hostile names', () => {
  const hostile = '<script>alert(1)</script>';
  const quote = '"><img src=x onerror=alert(2)>';
  const search = sampleSearch(
    [
      { name: hostile, macs: 1_000, skill: 0.7 },
      { name: 'a&b', macs: 8_000, skill: 0.8 },
      { name: quote, macs: 60_000, skill: 0.86 },
      { name: "big'</title>", macs: 4_000_000, skill: 0.92 },
    ],
    's-</script><!--',
  );
  const unsafe = {
    ...search,
    results: {
      ...search.results,
      selection: { dataset: '</style><b>sel', samples: 400 },
    },
  };
  const page = render(unsafe);

  it('escapes every name: no markup gets in, the structure stays', () => {
    expect(page).not.toContain('<script>alert');
    expect(page).not.toContain('<img');
    expect(page).not.toContain('</title>"');
    expect(page).not.toContain('<b>sel');
    expect(count(page, /<script\b/g)).toBe(3);
    expect(count(page, /<\/script>/g)).toBe(3);
    expect(count(page, /<\/style>/g)).toBe(2);
    expect(count(page, /<\/title>/g)).toBe(1);
    expect(count(page, /<img\b/g)).toBe(0);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('a&amp;b');
    expect(page).toContain('&quot;&gt;&lt;img src=x onerror=alert(2)&gt;');
    expect(page).toContain('&lt;/style&gt;&lt;b&gt;sel');
  });

  it('keeps inlined assets inside their elements', () => {
    const p = render(search, {
      assets: {
        uplotJs: 'var s = "</script><img src=x onerror=alert(3)>";',
        uplotCss: '.x::after { content: "</style><img src=x onerror=alert(4)>"; }',
      },
    });
    expect(count(p, /<\/script>/g)).toBe(3);
    expect(count(p, /<\/style>/g)).toBe(2);
    expect(p).toContain('var s = "<\\/script><img');
    expect(p).toContain('content: "<\\/style><img');
  });

  it('still lists every base and saver, by its escaped name', () => {
    for (const base of search.results.bases) {
      expect(page).toContain(`data-base="${escapeHtml(base.model)}"`);
      for (const saver of base.savers)
        expect(page).toContain(`<tr data-saver="${escapeHtml(saver.model)}">`);
    }
  });

  it('round-trips the names through the JSON block untouched', () => {
    const data = payload(page);
    expect(data.search).toBe('s-</script><!--');
    expect(data).toEqual({
      v: 1,
      search: 's-</script><!--',
      charts: chartSpecs(unsafe.results, unsafe.curves),
    });
    const models = new Set(data.charts.flatMap((c) => c.series.map((s) => s.model)));
    expect(models).toEqual(new Set([hostile, 'a&b', quote, "big'</title>"]));
  });
});
