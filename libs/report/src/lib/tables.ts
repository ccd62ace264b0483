// The report's tables. Every name in them comes from the documents and goes through `html`.
import type { BaseReport, BudgetReport, Interval, SaverReport } from '@tinysaver/cascade';
import type { CascadeRunView, SearchResultsDocument } from '@tinysaver/contracts';
import { saverColor } from './chart-data';
import { duration, fixed, integer, percent, points, share, si, signed, threshold } from './format';
import type { SafeHtml } from './html';
import { html } from './html';

const saved = (relativeCost: number) => percent(1 - relativeCost, 1);
const swatch = (rank: number) =>
  html`<span class="swatch" style="background:${saverColor(rank)}"></span>`;
const useful = (yes: boolean) =>
  yes ? html`<span class="badge yes">yes</span>` : html`<span class="badge no">no</span>`;
/** [low, high] unit: the interval's ends with one unit. */
const interval = (i: Interval, digits: number, scale: number, unit: string) =>
  `[${fixed(i.low * scale, digits)}, ${fixed(i.high * scale, digits)}] ${unit}`;
/** ΔC < 0 saves compute: green; ≥ 0 does not: orange. */
const deltaClass = (deltaC: number) => (deltaC < 0 ? 'good' : 'bad');

/** The search at a glance: splits, budgets, records, bootstrap, and the models it used. */
export function summary(results: SearchResultsDocument, generatedAt: string | undefined): SafeHtml {
  const bootstrap = results.bootstrap
    ? `${percent(results.bootstrap.level, 0)} intervals, ${integer(results.bootstrap.replicates)} replicates (seed ${results.bootstrap.seed}), rank-1 saver, evaluation split`
    : 'off';
  const models = [...results.models].sort((a, b) => a.macs - b.macs);
  return html`<dl class="summary">
      <dt>Search</dt>
      <dd class="mono" data-field="search-id">${results.id}</dd>
      <dt>Results computed</dt>
      <dd>${results.generatedAt}</dd>
      ${
        generatedAt
          ? html`<dt>Report generated</dt>
              <dd>${generatedAt}</dd>`
          : ''
      }
      <dt>Selection split</dt>
      <dd>
        <strong>${results.selection.dataset}</strong>, ${integer(results.selection.samples)}
        samples: savers are ranked and thresholds chosen here
      </dd>
      <dt>Evaluation split</dt>
      <dd>
        <strong>${results.evaluation.dataset}</strong>, ${integer(results.evaluation.samples)}
        samples: the honest numbers, read at the thresholds chosen on selection
      </dd>
      <dt>Budgets</dt>
      <dd>${results.budgets.map((b) => points(b, 2)).join(', ')} of accuracy drop</dd>
      <dt>Savers kept</dt>
      <dd>top ${results.topK} per base by ΔC</dd>
      <dt>Records</dt>
      <dd>
        ${integer(results.records.needed)} (model, shard) records,
        ${integer(results.records.reused)} reused from earlier work
      </dd>
      <dt>Bootstrap</dt>
      <dd>${bootstrap}</dd>
    </dl>
    <h3>Models</h3>
    <div class="table-wrap">
      <table data-table="models">
        <thead>
          <tr>
            <th class="text">Model</th>
            <th>MACs</th>
            <th class="text">Input</th>
            <th class="text">sha256</th>
          </tr>
        </thead>
        <tbody>
          ${models.map(
            (m) =>
              html`<tr>
                <td class="text">${m.name}</td>
                <td title="${integer(m.macs)}">${si(m.macs)}</td>
                <td class="text">${m.preprocess.inputSize.join('×')}</td>
                <td class="text mono" title="${m.sha256}">${m.sha256.slice(0, 12)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}

/** The top savers by ΔC on selection, with Procedure A's row and the evaluation split there. */
export function saverTable(base: BaseReport): SafeHtml {
  if (base.savers.length === 0)
    return html`<p class="note">No cheaper model was a candidate saver for this base.</p>`;
  return html`<div class="table-wrap">
    <table data-table="savers" data-base="${base.model}">
      <thead>
        <tr class="group">
          <th colspan="6"></th>
          <th colspan="5">Procedure A match row (selection)</th>
          <th colspan="2">evaluation at that τ</th>
        </tr>
        <tr>
          <th>Rank</th>
          <th class="text">Saver</th>
          <th>MACs</th>
          <th title="saver MACs over base MACs">s</th>
          <th title="ΔC = s − r at the match row; below zero the saver pays off">ΔC</th>
          <th class="text">Useful</th>
          <th>τ</th>
          <th title="share of samples the saver answers">exit ratio</th>
          <th>accuracy</th>
          <th title="saver accuracy on the samples that exit">saver on exits</th>
          <th title="base accuracy on the same samples">base on exits</th>
          <th>accuracy</th>
          <th title="1 − R">saved compute</th>
        </tr>
      </thead>
      <tbody>
        ${base.savers.map((s) => saverRow(s, base))}
      </tbody>
    </table>
  </div>`;
}

function saverRow(s: SaverReport, base: BaseReport): SafeHtml {
  return html`<tr data-saver="${s.model}">
    <td>${s.rank}</td>
    <td class="text">${swatch(s.rank)}${s.model}</td>
    <td title="${integer(s.macs)}">${si(s.macs)}</td>
    <td>${share(s.macs / base.macs)}</td>
    <td class="${deltaClass(s.deltaC)}">${signed(s.deltaC, 3)}</td>
    <td class="text">${useful(s.useful)}</td>
    <td>${threshold(s.match.threshold)}</td>
    <td>${percent(s.match.exitRatio, 1)}</td>
    <td>${percent(s.match.accuracy)}</td>
    <td>${percent(s.match.exitAccuracy)}</td>
    <td>${percent(s.match.baseAccuracyOnExits)}</td>
    <td>${percent(s.evaluationAtMatch.accuracy)}</td>
    <td>${saved(s.evaluationAtMatch.relativeCost)}</td>
  </tr>`;
}

/** Per saver and budget: τ chosen on selection, both splits read there, the oracle, the CI. */
export function budgetTable(base: BaseReport): SafeHtml {
  const rows = base.savers.flatMap((s) => s.budgets.map((b) => ({ saver: s, budget: b })));
  if (rows.length === 0) return html``;
  const ci = rows.find((r) => r.budget.ci)?.budget.ci;
  return html`<p>
      Per budget: τ chosen on the selection split (the lowest R within the budget), both splits read
      there, and the oracle (τ chosen on the evaluation split itself, as the research code does).
      ${
        ci
          ? `Intervals: ${percent(ci.level, 0)} bootstrap on the evaluation split, ${integer(ci.replicates)} replicates.`
          : ''
      }
    </p>
    <div class="table-wrap">
      <table data-table="budgets" data-base="${base.model}">
        <thead>
          <tr class="group">
            <th colspan="3"></th>
            <th colspan="2">saved compute</th>
            <th colspan="2">accuracy drop</th>
            <th colspan="2">evaluation</th>
            <th colspan="2">oracle</th>
            ${ci ? html`<th colspan="2">${percent(ci.level, 0)} interval</th>` : ''}
          </tr>
          <tr>
            <th class="text">Saver</th>
            <th>Budget</th>
            <th title="chosen on the selection split">τ</th>
            <th>selection</th>
            <th>evaluation</th>
            <th>selection</th>
            <th>evaluation</th>
            <th>exit ratio</th>
            <th>accuracy</th>
            <th>τ</th>
            <th>saved</th>
            ${
              ci
                ? html`<th>saved compute</th>
                    <th>accuracy drop</th>`
                : ''
            }
          </tr>
        </thead>
        <tbody>
          ${rows.map(({ saver, budget }) => budgetRow(saver, budget, ci !== undefined))}
        </tbody>
      </table>
    </div>`;
}

function budgetRow(s: SaverReport, b: BudgetReport, ciColumns: boolean): SafeHtml {
  const over = (p: { accuracyDrop: number }) => (p.accuracyDrop > b.drop + 1e-9 ? 'bad' : '');
  return html`<tr data-saver="${s.model}" data-budget="${b.drop}">
    <td class="text">${swatch(s.rank)}#${s.rank} ${s.model}</td>
    <td>${points(b.drop, 2)}</td>
    <td>${threshold(b.threshold)}</td>
    <td>${saved(b.selection.relativeCost)}</td>
    <td>${saved(b.evaluation.relativeCost)}</td>
    <td class="${over(b.selection)}">${points(b.selection.accuracyDrop)}</td>
    <td class="${over(b.evaluation)}">${points(b.evaluation.accuracyDrop)}</td>
    <td>${percent(b.evaluation.exitRatio, 1)}</td>
    <td>${percent(b.evaluation.accuracy)}</td>
    <td>${threshold(b.oracle.threshold)}</td>
    <td>${saved(b.oracle.relativeCost)}</td>
    ${
      ciColumns
        ? b.ci
          ? html`<td>${interval(b.ci.computeSaving, 1, 100, '%')}</td>
              <td>${interval(b.ci.accuracyDrop, 2, 1, 'pp')}</td>`
          : html`<td></td>
              <td></td>`
        : ''
    }
  </tr>`;
}

/** The greedy chain of the base's savers (METHOD §6), when the search asked for one. */
export function chainTable(base: BaseReport): SafeHtml {
  const chain = base.chain;
  if (!chain || chain.exits.length === 0) return html``;
  return html`<h3>Chain</h3>
    <p>
      Savers in rank order, each at its match threshold; selection: accuracy
      ${percent(chain.selection.accuracy)}, saved compute ${saved(chain.selection.relativeCost)};
      evaluation: accuracy ${percent(chain.evaluation.accuracy)}, saved compute
      ${saved(chain.evaluation.relativeCost)}.
    </p>
    <div class="table-wrap">
      <table data-table="chain" data-base="${base.model}">
        <thead>
          <tr>
            <th class="text">Exit</th>
            <th class="text">Enabled</th>
            <th>τ</th>
            <th>exit ratio</th>
            <th>pass ratio</th>
            <th>ΔC</th>
          </tr>
        </thead>
        <tbody>
          ${chain.exits.map(
            (e) =>
              html`<tr>
                <td class="text">${e.saver}</td>
                <td class="text">${useful(e.enabled)}</td>
                <td>${threshold(e.threshold)}</td>
                <td>${percent(e.exitRatio, 1)}</td>
                <td>${percent(e.passRatio, 1)}</td>
                <td class="${deltaClass(e.deltaC)}">${signed(e.deltaC, 3)}</td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}

/** Where a run's threshold came from, when it is one the search reported for that pair. */
function thresholdOrigin(run: CascadeRunView, results: SearchResultsDocument): string {
  const saver = results.bases
    .find((b) => b.model === run.request.base)
    ?.savers.find((s) => s.model === run.request.saver);
  if (!saver) return '';
  const budget = saver.budgets.find((b) => b.threshold === run.request.threshold);
  if (budget) return `budget ${points(budget.drop)}`;
  if (saver.match.threshold === run.request.threshold) return 'match row';
  return '';
}

/** Cascade runs of the search's pairs: realised against simulated from the records. */
export function cascadeRunsTable(
  runs: readonly CascadeRunView[],
  results: SearchResultsDocument,
): SafeHtml {
  if (runs.length === 0)
    return html`<p class="note">
      No cascade run of these pairs yet: POST /v1/cascade-runs runs a saver → base cascade for real
      and sets what it realised against this simulation.
    </p>`;
  return html`<div class="table-wrap">
    <table data-table="cascade-runs">
      <thead>
        <tr class="group">
          <th colspan="3"></th>
          <th colspan="4">realised / simulated</th>
          <th colspan="4">wall time</th>
          <th></th>
        </tr>
        <tr>
          <th class="text">Run, status</th>
          <th class="text">Saver → base</th>
          <th>τ</th>
          <th>exits</th>
          <th>accuracy</th>
          <th title="cascade MACs over base MACs">R</th>
          <th title="realised minus simulated: exits, correct answers">Δ</th>
          <th>saver</th>
          <th>base</th>
          <th>cascade</th>
          <th title="the base alone on every sample">baseline</th>
          <th>speed-up</th>
        </tr>
      </thead>
      <tbody>
        ${runs.map((run) => cascadeRunRow(run, results))}
      </tbody>
    </table>
  </div>`;
}

function cascadeRunRow(run: CascadeRunView, results: SearchResultsDocument): SafeHtml {
  const origin = thresholdOrigin(run, results);
  const head = html`<td class="text">
      <span class="mono">${run.id}</span><br /><span class="note">${run.status}</span>
    </td>
    <td class="text">
      ${run.request.saver} → ${run.request.base}<br /><span class="note"
        >on ${run.request.dataset}</span
      >
    </td>
    <td>
      ${threshold(run.request.threshold)}${origin ? html`<br /><span class="note">${origin}</span>` : ''}
    </td>`;
  const result = run.result;
  if (!result)
    return html`<tr data-run="${run.id}">
      ${head}
      <td class="text" colspan="9">
        ${
          run.error
            ? `${run.error.code}: ${run.error.message}`
            : `${run.progress.shards} of ${run.progress.total} shards run`
        }
      </td>
    </tr>`;
  const { realised, simulated, difference } = result;
  const exact = difference.exits === 0 && difference.correct === 0;
  return html`<tr data-run="${run.id}">
    ${head}
    <td>${integer(realised.exits)} / ${integer(simulated.exits)}</td>
    <td>${percent(realised.accuracy)} / ${percent(simulated.accuracy)}</td>
    <td>${fixed(realised.relativeCost, 3)} / ${fixed(simulated.relativeCost, 3)}</td>
    <td class="${exact ? 'good' : 'bad'}">
      ${
        exact
          ? 'none'
          : `${signed(difference.exits, 0)} exits, ${signed(difference.correct, 0)} correct`
      }
    </td>
    <td>${duration(realised.saver.wallMs)}</td>
    <td>${duration(realised.base.wallMs)}</td>
    <td>${duration(realised.wallMs)}</td>
    <td>${duration(realised.baseline?.wallMs)}</td>
    <td>${realised.speedup === undefined ? '—' : `${fixed(realised.speedup, 2)}×`}</td>
  </tr>`;
}
