import { ApiError } from '../common/api-error';
import type { DatasetDocument } from '../datasets/dataset-document';
import type { ModelView } from '../models/model-document';
import { planSearch } from './search-plan';
import { SearchBody } from './search-request';

const model = (name: string, macs: number, extra: Partial<ModelView> = {}): ModelView =>
  ({
    name,
    status: 'ready',
    profile: {
      macs,
      classes: 10,
      flops: 2 * macs,
      params: 1,
      inputSize: [1, 28, 28],
      complete: true,
      executionProvider: 'cpu',
    },
    ...extra,
  }) as ModelView;
const models = new Map(
  [
    model('tiny', 10),
    model('small', 100),
    model('mid', 1_000),
    model('big', 10_000),
    model('pending', 5, { status: 'profiling', profile: undefined }),
  ].map((m) => [m.name, m]),
);
const datasets = new Map<string, DatasetDocument>([
  ['sel', { name: 'sel', numClasses: 10 } as DatasetDocument],
  ['eval', { name: 'eval', numClasses: 10 } as DatasetDocument],
  ['imagenet', { name: 'imagenet', numClasses: 1000 } as DatasetDocument],
]);
const body = (over: object) =>
  SearchBody.parse({ bases: ['big'], selection: 'sel', evaluation: 'eval', ...over });

function failure(over: object): { status: number; code: string; message: string } {
  try {
    planSearch(body(over), models, datasets);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const { message } = (error.getResponse() as { error: { message: string } }).error;
    return { status: error.getStatus(), code: error.code, message };
  }
  throw new Error('the search was planned');
}

describe('SearchBody', () => {
  it('defaults savers, budgets, topK and chains', () => {
    expect(body({})).toEqual({
      bases: ['big'],
      savers: 'all-cheaper',
      selection: 'sel',
      evaluation: 'eval',
      budgets: [0.01, 0.5, 1],
      topK: 5,
      chains: false,
    });
  });

  it.each([
    [{ budgets: [101] }, /budgets are accuracy drops from 0 to 100 points/],
    [{ budgets: [-1] }, /budgets are accuracy drops from 0 to 100 points/],
    [{ bases: ['big', 'big'] }, /bases lists a name twice/],
    [{ savers: ['tiny', 'tiny'] }, /savers lists a name twice/],
    [{ extra: true }, /Unrecognized key/],
  ])('refuses %j', (over, message) => {
    const result = SearchBody.safeParse({
      bases: ['big'],
      selection: 'sel',
      evaluation: 'eval',
      ...over,
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join(' ')).toMatch(message);
  });
});

describe('planSearch', () => {
  it('pairs each base with every strictly cheaper ready model, cheapest first', () => {
    expect(planSearch(body({ bases: ['big', 'mid', 'tiny'] }), models, datasets)).toEqual({
      bases: [
        { name: 'big', savers: ['tiny', 'small', 'mid'] },
        { name: 'mid', savers: ['tiny', 'small'] },
        // all-cheaper: the cheapest base simply has no savers.
        { name: 'tiny', savers: [] },
      ],
      models: [
        { name: 'tiny', macs: 10, classes: 10 },
        { name: 'small', macs: 100, classes: 10 },
        { name: 'mid', macs: 1_000, classes: 10 },
        { name: 'big', macs: 10_000, classes: 10 },
      ],
    });
  });

  it('keeps an explicit saver list to the cheaper ones per base', () => {
    expect(
      planSearch(body({ bases: ['big', 'mid'], savers: ['mid', 'tiny'] }), models, datasets).bases,
    ).toEqual([
      { name: 'big', savers: ['tiny', 'mid'] },
      { name: 'mid', savers: ['tiny'] },
    ]);
  });

  it.each([
    [
      { bases: ['huge'] },
      400,
      'unknown-model',
      "No model named 'huge'; register it with POST /v1/models first.",
    ],
    [
      { evaluation: 'test' },
      400,
      'unknown-dataset',
      "No dataset named 'test'; register it with POST /v1/datasets first.",
    ],
    [
      { savers: ['pending'] },
      409,
      'model-not-ready',
      "Model 'pending' is profiling; wait until it is ready.",
    ],
    [
      { bases: ['small'], savers: ['mid', 'big'] },
      400,
      'no-cheaper-saver',
      "Base 'small' (100 MACs) has no strictly cheaper saver among 'mid', 'big'; add a cheaper saver or drop that base.",
    ],
    [
      { evaluation: 'imagenet' },
      400,
      'classes-mismatch',
      "Model 'big' has 10 classes but dataset 'imagenet' has 1000; pair datasets with models of the same classes.",
    ],
  ])('refuses %j', (over, status, code, message) => {
    expect(failure(over)).toEqual({ status, code, message });
  });
});
