// `tinysaver search results`: one row per base with its best saver and, per budget, the threshold
// chosen on selection and what it does on evaluation. Pure.
import type { SearchResultsDocument } from '@tinysaver/contracts';
import { formatCount, formatPercent, formatPoints } from './format';
import { renderTable, type Column } from './table';

const dash = '—';

export function resultsTable(results: SearchResultsDocument): string {
  const columns: Column[] = [
    { header: 'BASE' },
    { header: 'MACS', align: 'right' },
    { header: 'ACC SEL', align: 'right' },
    { header: 'ACC EVAL', align: 'right' },
    { header: 'BEST SAVER' },
    { header: 'ΔC', align: 'right' },
  ];
  for (const drop of results.budgets) {
    columns.push(
      { header: `τ@${drop}pt`, align: 'right' },
      { header: `SAVED@${drop}pt`, align: 'right' },
      { header: `DROP@${drop}pt`, align: 'right' },
    );
  }
  const rows = results.bases.map((base) => {
    const best = base.savers.find((s) => s.model === base.best);
    const row = [
      base.model,
      formatCount(base.macs),
      formatPercent(base.accuracy.selection, 2),
      formatPercent(base.accuracy.evaluation, 2),
      best?.model ?? dash,
      best ? best.deltaC.toFixed(3) : dash,
    ];
    for (const drop of results.budgets) {
      const budget = best?.budgets.find((b) => b.drop === drop);
      row.push(
        budget ? budget.threshold.toFixed(3) : dash,
        budget ? formatPercent(1 - budget.evaluation.relativeCost) : dash,
        budget ? formatPoints(budget.evaluation.accuracyDrop) : dash,
      );
    }
    return row;
  });
  return renderTable(columns, rows);
}

/** The lines around the table: what was searched, and how to read the budget columns. */
export function formatResults(results: SearchResultsDocument): string {
  const lines = [
    `Search ${results.id}: selection '${results.selection.dataset}' (${results.selection.samples} samples), evaluation '${results.evaluation.dataset}' (${results.evaluation.samples} samples); ${results.records.needed} records (${results.records.reused} reused).`,
    '',
    resultsTable(results),
    '',
    'ΔC: cost change of the best saver on selection (negative pays off). Per budget: τ chosen on selection;',
    'SAVED (1 − relative cost) and DROP (accuracy points) read on evaluation at τ.',
  ];
  for (const base of results.bases) {
    if (!base.chain) continue;
    const exits = base.chain.exits.filter((e) => e.enabled).map((e) => e.saver);
    const evaluation = base.chain.evaluation;
    lines.push(
      `Chain for ${base.model}: ${[...exits, base.model].join(' → ')}; on evaluation ${formatPercent(1 - evaluation.relativeCost)} saved at ${formatPercent(evaluation.accuracy, 2)} accuracy.`,
    );
  }
  return lines.join('\n');
}
