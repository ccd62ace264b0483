// Small API documents for unit tests, shaped as the API answers them.
import type { ModelView, SearchResultsDocument, SearchView } from '@tinysaver/contracts';

type SplitPoint = SearchResultsDocument['bases'][number]['savers'][number]['match'];

export function point(fields: Partial<SplitPoint> = {}): SplitPoint {
  return {
    threshold: 0.5,
    exits: 10,
    correct: 90,
    exitRatio: 0.1,
    accuracy: 0.9,
    relativeCost: 0.95,
    deltaC: -0.05,
    accuracyDrop: 0,
    exitAccuracy: 1,
    baseAccuracyOnExits: 1,
    ...fields,
  };
}

export function searchView(fields: Partial<SearchView> = {}): SearchView {
  return {
    id: 's-1',
    status: 'queued',
    progress: { done: 0, total: 4, phase: 'records' },
    createdAt: '2025-01-01T00:00:00.000Z',
    request: {
      bases: ['cnn-tiny'],
      savers: 'all-cheaper',
      selection: 'sel',
      evaluation: 'eval',
      budgets: [0.5, 1],
      topK: 5,
      chains: false,
    },
    ...fields,
  };
}

export function modelView(fields: Partial<ModelView> = {}): ModelView {
  return {
    name: 'cnn-tiny',
    uri: 's3://bucket/farm/uploads/cnn-tiny.onnx',
    preprocess: {
      inputSize: [1, 28, 28],
      interpolation: 'bilinear',
      cropPct: 1,
      mean: [0.286],
      std: [0.353],
      channels: 'L',
      layout: 'NCHW',
    },
    registeredAt: '2025-01-01T00:00:00.000Z',
    status: 'profiling',
    ...fields,
  };
}

export function resultsDocument(): SearchResultsDocument {
  const budget = (drop: number, threshold: number, relativeCost: number, accuracyDrop: number) => ({
    drop,
    threshold,
    selection: point({ threshold }),
    evaluation: point({ threshold, relativeCost, accuracyDrop }),
    oracle: point(),
  });
  return {
    id: 's-1',
    generatedAt: '2025-01-01T00:01:00.000Z',
    selection: { dataset: 'sel', samples: 2500 },
    evaluation: { dataset: 'eval', samples: 2500 },
    budgets: [0.5, 1],
    topK: 5,
    models: [],
    records: { needed: 6, reused: 2 },
    bootstrap: false,
    bases: [
      {
        model: 'cnn-tiny',
        macs: 333_056,
        accuracy: { selection: 0.9012, evaluation: 0.8976 },
        samples: { selection: 2500, evaluation: 2500 },
        best: 'linear',
        savers: [
          {
            model: 'linear',
            macs: 7840,
            rank: 1,
            deltaC: -0.4123,
            useful: true,
            match: point(),
            matchSafe: point(),
            evaluationAtMatch: point(),
            budgets: [budget(0.5, 0.873, 0.6, 0.4), budget(1, 0.8, 0.5, 0.96)],
          },
        ],
      },
      {
        model: 'linear',
        macs: 7840,
        accuracy: { selection: 0.852, evaluation: 0.8425 },
        samples: { selection: 2500, evaluation: 2500 },
        best: null,
        savers: [],
      },
    ],
  };
}
