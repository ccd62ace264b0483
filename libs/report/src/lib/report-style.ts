// The page's own CSS: system fonts only (nothing to fetch), tabular figures, and a print layout
// that keeps each chart and table on one page.

export const REPORT_CSS = `
:root {
  color-scheme: light;
  --ink: #1d1d1f;
  --muted: #5f6368;
  --rule: #d9dce1;
  --band: #f5f6f8;
  --good: #0b6e3a;
  --bad: #a33a00;
}
* { box-sizing: border-box; }
body {
  margin: 0 auto;
  max-width: 1400px;
  padding: 24px 32px 48px;
  color: var(--ink);
  background: #fff;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Noto Sans", "Liberation Sans", sans-serif;
}
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 40px 0 4px; padding-top: 12px; border-top: 2px solid var(--ink); }
h3 { font-size: 15px; margin: 24px 0 8px; }
p, figcaption, .note { color: var(--muted); }
p { margin: 4px 0 8px; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; font-size: 12.5px; }
a { color: #0b57d0; }
nav ul { margin: 4px 0 0; padding-left: 20px; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0; }
dl.summary dt { color: var(--muted); }
dl.summary dd { margin: 0; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(340px, 1fr)); gap: 16px 24px; }
figure { margin: 0; min-width: 0; }
figcaption { font-size: 13px; margin-bottom: 4px; }
figcaption strong { color: var(--ink); }
.chart { min-width: 0; min-height: 360px; overflow: hidden; }
.uplot { font-family: inherit; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; margin: 4px 0 12px; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 8px; border-bottom: 1px solid var(--rule); text-align: right; vertical-align: top; white-space: nowrap; }
th { font-weight: 600; background: var(--band); }
thead tr.group th { background: #fff; border-bottom: none; color: var(--muted); font-weight: 500; text-align: center; }
th.text, td.text { text-align: left; }
table[data-table="cascade-runs"] th, table[data-table="cascade-runs"] td { padding: 3px 6px; }
tbody tr:nth-child(even) td { background: #fafbfc; }
td.good { color: var(--good); }
td.bad { color: var(--bad); }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 6px; vertical-align: baseline; }
.badge { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 12px; background: var(--band); color: var(--muted); }
.badge.yes { background: #e3f4ea; color: var(--good); }
.badge.no { background: #fbeae2; color: var(--bad); }
footer { margin-top: 40px; font-size: 12px; color: var(--muted); }
@page { size: A4 landscape; margin: 10mm; }
@media print {
  body { padding: 0; max-width: none; font-size: 11px; }
  h2 { break-before: page; margin-top: 0; }
  section:first-of-type h2 { break-before: auto; }
  figure, table, .charts { break-inside: avoid; }
  .charts { grid-template-columns: 1fr; }
  .table-wrap { overflow: visible; }
  th, td { padding: 2px 6px; }
  a { color: inherit; text-decoration: none; }
}
`;
