export * from './lib/render-search-report';
export { chartSpecs, curvePoints, saverColor, SPLITS } from './lib/chart-data';
export type { ChartSeries, ChartSpec, Split } from './lib/chart-data';
export { DATA_ELEMENT_ID } from './lib/chart-script';
export { escapeHtml, jsonForScript } from './lib/html';
