// The search report page through REST, opened in headless Chromium: a real search over the zoo
// and a real cascade run of one of its pairs, then the page must draw every chart with its
// points, list every ranked saver and the run, fetch nothing and log no error. The screenshot is
// kept as test-artifacts/report.png (with the page beside it).
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import type { CascadeRunView, SearchResultsDocument, SearchView } from '@tinysaver/contracts';
import { errorOf, eventually, startApiFarm, type ApiFarm } from './api-fixture';
import { registerZooModels, registerZooShards } from './zoo';

jest.setTimeout(300_000);

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', '..', '..', 'test-artifacts');
const MODELS = ['linear', 'cnn-tiny', 'resnet-8'];

/** What the page's script says it drew (window.__tinysaverCharts). */
interface DrawnChart {
  id: string;
  base: string;
  split: 'selection' | 'evaluation';
  series: { kind: 'saver' | 'budgets' | 'base'; label: string; model: string; points: number }[];
}

let farm: ApiFarm | undefined;
let browser: Browser | undefined;
let work: string | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: this test opens the report in Debian's Chromium through ` +
        'playwright-core. Install it with `apt-get install chromium` (as root), then run it again.',
    );
  work = await mkdtemp(join(tmpdir(), 'tinysaver-report-'));
  farm = await startApiFarm();
  farm.startWorker();
  await registerZooModels(farm, 'acme', MODELS);
  await registerZooShards(farm, 'acme', 'sel', 'selection', [0]);
  await registerZooShards(farm, 'acme', 'eval', 'evaluation', [1]);
});
afterAll(async () => {
  await browser?.close();
  await farm?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const api = () => farm!.as('acme');

async function submit(body: object): Promise<string> {
  const res = await api().post('/v1/searches').send(body);
  if (res.status !== 202) throw new Error(`search refused: ${JSON.stringify(res.body)}`);
  return (res.body as SearchView).id;
}

async function completed(id: string): Promise<void> {
  const view = await eventually(async () => {
    const v = (await api().get(`/v1/searches/${id}`)).body as SearchView;
    return ['queued', 'running'].includes(v.status) ? undefined : v;
  }, 240_000);
  if (view.status !== 'completed') throw new Error(`search ${id}: ${JSON.stringify(view)}`);
}

describe('GET /v1/searches/{id}/report', () => {
  let id: string;
  let results: SearchResultsDocument;
  let run: CascadeRunView;
  let html: string;

  it('is 409 search-not-completed until the search completes, 404 for others', async () => {
    id = await submit({ bases: ['resnet-8', 'cnn-tiny'], selection: 'sel', evaluation: 'eval' });
    const early = await api().get(`/v1/searches/${id}/report`);
    expect([early.status, errorOf(early).code]).toEqual([409, 'search-not-completed']);
    expect(early.headers['content-type']).toMatch(/^application\/json/);
    await completed(id);
    results = (await api().get(`/v1/searches/${id}/results`)).body as SearchResultsDocument;
    expect(results.bases.map((b) => b.model)).toEqual(['resnet-8', 'cnn-tiny']);

    const other = await farm!.as('globex').get(`/v1/searches/${id}/report`);
    expect([other.status, errorOf(other).code]).toEqual([404, 'search-not-found']);
    const none = await api().get('/v1/searches/s-nope/report');
    expect([none.status, errorOf(none).code]).toEqual([404, 'search-not-found']);
  });

  it('shows a cascade run of a searched pair, and only runs of its pairs', async () => {
    const [base] = results.bases;
    const saver = base.savers[0];
    const res = await api().post('/v1/cascade-runs').send({
      saver: saver.model,
      base: base.model,
      threshold: saver.budgets[1].threshold,
      dataset: 'eval',
    });
    expect(res.status).toBe(202);
    run = await eventually(async () => {
      const view = (await api().get(`/v1/cascade-runs/${(res.body as CascadeRunView).id}`))
        .body as CascadeRunView;
      if (view.status === 'failed') throw new Error(JSON.stringify(view.error));
      return view.status === 'completed' ? view : undefined;
    }, 240_000);

    const page = await api().get(`/v1/searches/${id}/report`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    html = page.text;
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain(`data-run="${run.id}"`);

    // A search of another pair (its records exist: it completes at once) does not show the run.
    const narrow = await submit({
      bases: ['cnn-tiny'],
      savers: ['linear'],
      selection: 'sel',
      evaluation: 'eval',
    });
    await completed(narrow);
    const other = await api().get(`/v1/searches/${narrow}/report`);
    expect(other.status).toBe(200);
    expect(other.text).not.toContain(run.id);
    expect(other.text).toContain('No cascade run of these pairs yet');
  });

  it('renders in headless Chromium: every chart with its points, the tables, no errors', async () => {
    const file = join(work!, 'report.html');
    await writeFile(file, html);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const fetched: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:')) fetched.push(r.url());
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

    const drawn = await page.evaluate<DrawnChart[]>('window.__tinysaverCharts');
    expect(drawn.map((c) => `${c.base}/${c.split}`)).toEqual(
      results.bases.flatMap((b) => [`${b.model}/selection`, `${b.model}/evaluation`]),
    );
    expect(await page.locator('.chart').count()).toBe(drawn.length);
    for (const chart of drawn) {
      const base = results.bases.find((b) => b.model === chart.base)!;
      // uPlot draws on a canvas inside the chart's element.
      expect([chart.id, await page.locator(`#${chart.id} canvas`).count()]).toEqual([chart.id, 1]);
      const savers = chart.series.filter((s) => s.kind === 'saver');
      expect(savers.map((s) => s.model)).toEqual(base.savers.map((s) => s.model));
      for (const s of savers)
        expect([chart.id, s.model, s.points >= 2]).toEqual([chart.id, s.model, true]);
      for (const saver of base.savers)
        expect(
          chart.series.find((s) => s.kind === 'budgets' && s.model === saver.model)?.points,
        ).toBe(saver.budgets.length);
      expect(chart.series.filter((s) => s.kind === 'base')).toEqual([
        expect.objectContaining({ model: base.model, points: 1 }),
      ]);
    }

    for (const base of results.bases) {
      const rows = page.locator(`table[data-table="savers"][data-base="${base.model}"] tbody tr`);
      expect(await rows.count()).toBe(base.savers.length);
      for (const [i, saver] of base.savers.entries()) {
        expect(await rows.nth(i).getAttribute('data-saver')).toBe(saver.model);
        expect(await rows.nth(i).locator('td').first().textContent()).toBe(String(saver.rank));
      }
    }
    const runRow = page.locator(`table[data-table="cascade-runs"] tr[data-run="${run.id}"]`);
    expect(await runRow.count()).toBe(1);
    const runText = (await runRow.textContent()) ?? '';
    expect(runText).toContain('completed');
    expect(runText).toContain(`${run.request.saver} → ${run.request.base}`);
    // The run's τ is a budget's (the first budget with that τ is the one named).
    const [base] = results.bases;
    const budget = base.savers[0].budgets.find((b) => b.threshold === run.request.threshold)!;
    expect(runText).toContain(`budget ${budget.drop.toFixed(2)} pp`);
    expect(await page.locator('[data-field="search-id"]').textContent()).toBe(id);

    // Hovering a chart moves uPlot's cursor: that must not throw either.
    const box = await page.locator(`#${drawn[0].id} canvas`).boundingBox();
    await page.mouse.move(box!.x + box!.width / 2, box!.y + box!.height / 2);
    await page.mouse.move(box!.x + box!.width / 3, box!.y + box!.height / 3);

    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    await copyFile(file, join(ARTIFACTS, 'report.html'));
    expect(problems).toEqual([]);
    expect(fetched).toEqual([]);
  });
});
