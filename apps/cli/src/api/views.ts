// Human renderings of the API's documents: detail blocks and list tables. Pure.
import type { DatasetDocument, ModelView, SearchView } from '@tinysaver/contracts';
import { formatCount, formatTime } from './format';
import { describeSearchProgress } from './progress';
import { renderTable } from './table';

const dash = '—';

function details(title: string, rows: readonly (readonly [string, string | undefined])[]): string {
  const shown = rows.filter((r): r is readonly [string, string] => r[1] !== undefined);
  const width = Math.max(0, ...shown.map(([label]) => label.length));
  return [title, ...shown.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`)].join('\n');
}

function preprocessText(p: ModelView['preprocess']): string {
  return `${p.inputSize.join('×')} ${p.channels} ${p.layout}, ${p.interpolation}, crop ${p.cropPct}, mean ${p.mean.join(',')}, std ${p.std.join(',')}`;
}

const withExact = (n: number) => `${formatCount(n)} (${n.toLocaleString('en-US')})`;

export function formatModel(view: ModelView): string {
  const profile = view.profile;
  return details(`Model ${view.name}: ${view.status}`, [
    ['uri', view.uri],
    ['sha256', view.sha256],
    ['bytes', view.bytes === undefined ? undefined : view.bytes.toLocaleString('en-US')],
    ['preprocess', preprocessText(view.preprocess)],
    ['MACs', profile && withExact(profile.macs)],
    ['FLOPs', profile && withExact(profile.flops)],
    ['params', profile && withExact(profile.params)],
    ['classes', profile && String(profile.classes)],
    ['reason', view.reason && `[${view.reason.code}] ${view.reason.message}`],
    ['upload', view.upload && `PUT until ${view.upload.expiresAt}`],
    ['registered', formatTime(view.registeredAt)],
  ]);
}

export function modelsTable(views: readonly ModelView[]): string {
  return renderTable(
    [
      { header: 'NAME' },
      { header: 'STATUS' },
      { header: 'MACS', align: 'right' },
      { header: 'PARAMS', align: 'right' },
      { header: 'CLASSES', align: 'right' },
      { header: 'INPUT' },
      { header: 'REGISTERED' },
    ],
    views.map((v) => [
      v.name,
      v.reason ? `${v.status} (${v.reason.code})` : v.status,
      v.profile ? formatCount(v.profile.macs) : dash,
      v.profile ? formatCount(v.profile.params) : dash,
      v.profile ? String(v.profile.classes) : dash,
      `${v.preprocess.inputSize.join('×')} ${v.preprocess.channels}`,
      formatTime(v.registeredAt),
    ]),
  );
}

export function formatDataset(doc: DatasetDocument): string {
  return details(`Dataset ${doc.name}`, [
    ['uri', doc.uri],
    ['classes', String(doc.numClasses)],
    ['samples', doc.samples === undefined ? undefined : doc.samples.toLocaleString('en-US')],
    ['shards', String(doc.shards.length)],
    ['bytes', doc.shards.reduce((sum, s) => sum + s.bytes, 0).toLocaleString('en-US')],
    ['registered', formatTime(doc.registeredAt)],
  ]);
}

export function datasetsTable(docs: readonly DatasetDocument[]): string {
  return renderTable(
    [
      { header: 'NAME' },
      { header: 'CLASSES', align: 'right' },
      { header: 'SAMPLES', align: 'right' },
      { header: 'SHARDS', align: 'right' },
      { header: 'URI' },
    ],
    docs.map((d) => [
      d.name,
      String(d.numClasses),
      d.samples === undefined ? dash : String(d.samples),
      String(d.shards.length),
      d.uri,
    ]),
  );
}

export function formatSearch(view: SearchView): string {
  const r = view.request;
  return details(`Search ${view.id}: ${describeSearchProgress(view)}`, [
    ['bases', r.bases.join(', ')],
    ['savers', typeof r.savers === 'string' ? r.savers : r.savers.join(', ')],
    ['selection', r.selection],
    ['evaluation', r.evaluation],
    ['budgets', `${r.budgets.join(', ')} pt`],
    ['top-k', String(r.topK)],
    ['chains', r.chains ? 'yes' : undefined],
    ['created', formatTime(view.createdAt)],
    ['ended', view.endedAt && formatTime(view.endedAt)],
    ['error', view.error && `[${view.error.code}] ${view.error.message}`],
  ]);
}

export function searchesTable(views: readonly SearchView[]): string {
  return renderTable(
    [
      { header: 'ID' },
      { header: 'STATUS' },
      { header: 'RECORDS', align: 'right' },
      { header: 'BASES' },
      { header: 'SELECTION' },
      { header: 'EVALUATION' },
      { header: 'CREATED' },
    ],
    views.map((v) => [
      v.id,
      v.error ? `${v.status} (${v.error.code})` : v.status,
      `${v.progress.done}/${v.progress.total}`,
      v.request.bases.join(','),
      v.request.selection,
      v.request.evaluation,
      formatTime(v.createdAt),
    ]),
  );
}
