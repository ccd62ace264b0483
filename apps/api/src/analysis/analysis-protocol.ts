import type { WhatIfQuery } from '@tinysaver/cascade';
import type { FarmConnections } from '@tinysaver/farm-config';
import type { RecordSource, SplitSource } from '@tinysaver/storage';

/** One saver/base pair, each model named by the content its records are keyed by. */
export interface PairSource {
  readonly saver: RecordSource;
  readonly base: RecordSource;
}

/** Questions the analysis thread answers from records (never from a model run). */
export type AnalysisRequest =
  | {
      readonly op: 'curve';
      readonly pair: PairSource;
      readonly split: SplitSource;
      readonly exact: boolean;
    }
  | {
      readonly op: 'what-if';
      readonly pair: PairSource;
      readonly selection: SplitSource;
      readonly evaluation: SplitSource;
      readonly query: WhatIfQuery;
    }
  | {
      readonly op: 'point';
      readonly pair: PairSource;
      readonly split: SplitSource;
      readonly threshold: number;
    };

export type AnalysisMessage = { readonly id: number; readonly request: AnalysisRequest };

export type AnalysisReply =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | {
      readonly id: number;
      readonly ok: false;
      readonly status: number;
      readonly code: string;
      readonly message: string;
    };

export interface AnalysisThreadData {
  readonly s3: FarmConnections['s3'];
  /** Pair outcomes kept in memory between requests. */
  readonly cachedPairs: number;
}
