import type { BaseReport } from '@tinysaver/cascade';
import type { CascadeRunView, CurveView, SearchResultsDocument } from '@tinysaver/contracts';
import type { ChartSpec } from './chart-data';
import { BASE_COLOR, chartSpecs } from './chart-data';
import { CHART_SCRIPT, DATA_ELEMENT_ID } from './chart-script';
import { integer, percent, si } from './format';
import type { SafeHtml } from './html';
import { html, inlineScript, inlineStyle, jsonScript } from './html';
import { REPORT_CSS } from './report-style';
import { budgetTable, cascadeRunsTable, chainTable, saverTable, summary } from './tables';

export interface SearchReportPageInput {
  /** `results.json` of a completed search. */
  readonly results: SearchResultsDocument;
  /** Grid (or exact) curves of the ranked savers, both splits; a pair without one gets no line. */
  readonly curves: readonly CurveView[];
  /** Cascade runs of the search's (saver, base) pairs, shown as they are. */
  readonly cascadeRuns: readonly CascadeRunView[];
  /** uPlot's IIFE bundle and stylesheet, inlined so the page needs no network. */
  readonly assets: { readonly uplotJs: string; readonly uplotCss: string };
  /** When the page was made (shown as given); left out, the page depends on its inputs only. */
  readonly generatedAt?: string;
}

/** The JSON the page embeds: everything its script draws. */
export interface SearchReportData {
  readonly v: 1;
  readonly search: string;
  readonly charts: ChartSpec[];
}

/**
 * The policy the page declares for itself: nothing is fetched, the inline script and styles run.
 * (Servers may add `frame-ancestors`, which a `<meta>` policy cannot carry.)
 */
export const REPORT_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'unsafe-inline'",
  "style-src 'unsafe-inline'",
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * A search's report as one self-contained HTML document: per base, the accuracy against relative
 * compute curves of its top savers on both splits (with each budget's chosen point and the base's
 * own), the ranked savers and budgets, and the cascade runs' realised against simulated numbers.
 */
export function renderSearchReport(input: SearchReportPageInput): string {
  const { results } = input;
  const charts = chartSpecs(results, input.curves);
  const data: SearchReportData = { v: 1, search: results.id, charts };
  const page = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta http-equiv="Content-Security-Policy" content="${REPORT_CONTENT_SECURITY_POLICY}" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="generator" content="TinySaver Farm" />
        <title>Search ${results.id}: TinySaver report</title>
        ${inlineStyle(input.assets.uplotCss)} ${inlineStyle(REPORT_CSS)}
      </head>
      <body>
        <header>
          <h1>TinySaver search report</h1>
          <p>
            Which cheaper model should answer first for each base, at which confidence threshold,
            and what that saves at what accuracy. R is the cascade's MACs over the base's; a point's
            saved compute is 1 − R. ΔC = s − r (saver cost share minus exit ratio): below zero the
            saver pays off. Thresholds are chosen on the selection split and read on the evaluation
            split.
          </p>
          ${summary(results, input.generatedAt)} ${toc(results.bases)}
        </header>
        <main>
          ${results.bases.map((base, i) => baseSection(base, i, charts))}
          <section id="cascade-runs">
            <h2>Cascade runs</h2>
            <p>
              Saver → base cascades run for real on a dataset, against what the two models' records
              predict at the same threshold: identical exits and correct answers mean the simulation
              above is what a deployment gets.
            </p>
            ${cascadeRunsTable(input.cascadeRuns, results)}
          </section>
        </main>
        <footer>
          Made by TinySaver Farm from search ${results.id}. Self-contained: charts drawn by uPlot
          (MIT), inlined with the data; the page fetches nothing.
        </footer>
        ${jsonScript(DATA_ELEMENT_ID, data)} ${inlineScript(input.assets.uplotJs)}
        ${inlineScript(CHART_SCRIPT)}
      </body>
    </html> `;
  return page.value;
}

function toc(bases: readonly BaseReport[]): SafeHtml {
  return html`<nav>
    <h3>Bases</h3>
    <ul>
      ${bases.map(
        (b, i) =>
          html`<li>
            <a href="#base-${i}">${b.model}</a>:
            ${b.best ? html`best saver <strong>${b.best}</strong>` : 'no candidate saver'}
          </li>`,
      )}
      <li><a href="#cascade-runs">Cascade runs</a></li>
    </ul>
  </nav>`;
}

function baseSection(base: BaseReport, index: number, charts: readonly ChartSpec[]): SafeHtml {
  const own = charts.filter((c) => c.id.startsWith(`chart-${index}-`));
  return html`<section id="base-${index}" data-base="${base.model}">
    <h2>${base.model}</h2>
    <p>
      ${si(base.macs)} MACs (${integer(base.macs)}); accuracy alone
      ${percent(base.accuracy.selection)} on selection (${integer(base.samples.selection)} samples),
      ${percent(base.accuracy.evaluation)} on evaluation (${integer(base.samples.evaluation)}
      samples). ${base.best ? html`Best saver: <strong>${base.best}</strong>.` : ''}
    </p>
    <div class="charts">${own.map(figure)}</div>
    <h3>Ranked savers</h3>
    ${saverTable(base)} ${base.savers.length ? html`<h3>Budgets</h3>` : ''} ${budgetTable(base)}
    ${chainTable(base)}
  </section>`;
}

function figure(chart: ChartSpec): SafeHtml {
  const onSelection = chart.split === 'selection';
  return html`<figure>
    <figcaption>
      <strong>${onSelection ? 'Selection' : 'Evaluation'} split</strong> (${chart.dataset}): each
      saver's grid curve (dots: its Pareto frontier); open circles: the budgets'
      ${onSelection ? 'chosen points' : 'points at the thresholds chosen on selection'};
      <span class="swatch" style="background:${BASE_COLOR}"></span>the base alone.
      ${
        chart.missingCurves.length
          ? html`No curve given for ${chart.missingCurves.join(', ')}.`
          : ''
      }
    </figcaption>
    <div
      class="chart"
      id="${chart.id}"
      role="img"
      aria-label="accuracy against relative compute: ${chart.title}"
    ></div>
  </figure>`;
}
