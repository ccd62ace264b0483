import { readFileSync } from 'node:fs';
import type { Provider } from '@nestjs/common';

/** uPlot's browser bundle and stylesheet, which every report page inlines. */
export interface ReportAssets {
  readonly uplotJs: string;
  readonly uplotCss: string;
}

export const ReportAssetsToken = Symbol('ReportAssets');

/** Read once, when the app starts: a missing file fails the start, not a request. */
export function readReportAssets(): ReportAssets {
  return {
    uplotJs: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    uplotCss: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
}

export const reportAssetsProvider: Provider = {
  provide: ReportAssetsToken,
  useFactory: readReportAssets,
};
