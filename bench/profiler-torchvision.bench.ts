// Accuracy of libs/profiler against torchvision's published compute figures.
//
//   /usr/bin/python3 bench/profiler/export_torchvision.py /tmp/tv-onnx   # exports + manifest.json
//   npx tsx --conditions=development bench/profiler-torchvision.bench.ts /tmp/tv-onnx
//
// Writes bench/results/profiler-torchvision.{json,md}. Exits non-zero when a model that exported
// is off by more than ±3 %. Not a test: it needs torch to make the models.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { OnnxProfile } from '@tinysaver/profiler';
import { ProfilerError, profileOnnx } from '@tinysaver/profiler';

/**
 * torchvision's published "GFLOPS" per model, which are in fact GMACs (multiply-adds) at 224x224:
 * the `_ops` field of each weight's meta in torchvision/models/*.py (torchvision >= 0.15), shown in
 * the "GFLOPS" column of https://pytorch.org/vision/stable/models.html. Parameter counts are the
 * `num_params` field of the same entries (IMAGENET1K_V1 weights). `batchNorm`: whether the
 * torchvision architecture has BatchNorm layers (the exporter folds those into convs); ConvNeXt,
 * ViT and Swin normalise with LayerNorm only.
 */
const PUBLISHED: Record<string, { gmacs: number; params: number; batchNorm: boolean }> = {
  resnet18: { gmacs: 1.814, params: 11_689_512, batchNorm: true },
  resnet50: { gmacs: 4.089, params: 25_557_032, batchNorm: true },
  mobilenet_v2: { gmacs: 0.301, params: 3_504_872, batchNorm: true },
  mobilenet_v3_small: { gmacs: 0.057, params: 2_542_856, batchNorm: true },
  efficientnet_b0: { gmacs: 0.386, params: 5_288_548, batchNorm: true },
  convnext_tiny: { gmacs: 4.456, params: 28_589_128, batchNorm: false },
  regnet_y_400mf: { gmacs: 0.402, params: 4_344_144, batchNorm: true },
  vit_b_16: { gmacs: 17.564, params: 86_567_656, batchNorm: false },
  swin_t: { gmacs: 4.491, params: 28_288_354, batchNorm: false },
};
const TOLERANCE = 0.03;

interface ManifestEntry {
  file?: string;
  torchParams?: number;
  error?: string;
}
interface Manifest {
  torch: string;
  torchvision: string;
  opset: number;
  models: Record<string, ManifestEntry>;
}

interface Row {
  model: string;
  published: number;
  ours?: number;
  ratio?: number;
  within?: boolean;
  params?: number;
  torchParams?: number;
  publishedParams: number;
  complete?: boolean;
  profileMs?: number;
  note: string;
}

/**
 * Why a model's parameter count may differ from torch's. Params are not part of the ±3 % check:
 * the exporter rewrites them. It folds BatchNorm into the preceding conv (γ, β → one bias per
 * channel), folds constant sub-expressions into new float initializers or Constant nodes, and
 * torch 1.13 deduplicates initializers with identical bytes (with weights=None every LayerNorm γ
 * and many zero biases are identical). The file does not say how much each contributed, so the
 * note names only the causes that can apply to the model.
 */
function paramsNote(p: OnnxProfile, torchParams: number | undefined, batchNorm: boolean): string {
  if (torchParams === undefined || p.params === torchParams) return '';
  const diff = p.params - torchParams;
  if (diff > 0) {
    return `params +${diff.toLocaleString('en-US')} vs torch: the export added float constants (folded expressions, Constant-node values) that torch does not count as parameters`;
  }
  return `params ${diff.toLocaleString('en-US')} vs torch: ${
    batchNorm
      ? 'folded BatchNorm and/or deduplicated identical initializers (the split is not knowable from the file)'
      : 'deduplicated identical initializers (the model has no BatchNorm)'
  }`;
}

function main(): number {
  const dir = process.argv[2];
  if (!dir || !existsSync(join(dir, 'manifest.json'))) {
    console.error(
      'Usage: npx tsx --conditions=development bench/profiler-torchvision.bench.ts <dir with manifest.json from bench/profiler/export_torchvision.py>',
    );
    return 2;
  }
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const rows: Row[] = [];
  for (const [model, published] of Object.entries(PUBLISHED)) {
    const entry = manifest.models[model];
    const row: Row = {
      model,
      published: published.gmacs,
      publishedParams: published.params,
      note: '',
    };
    rows.push(row);
    if (!entry) {
      row.note = 'not exported (missing from manifest.json)';
      continue;
    }
    if (entry.error || !entry.file) {
      row.note = `export failed in torch ${manifest.torch}: ${entry.error ?? 'no file'}`;
      continue;
    }
    try {
      const bytes = readFileSync(join(dir, entry.file));
      const start = performance.now();
      const p = profileOnnx(bytes);
      row.profileMs = Math.round(performance.now() - start);
      row.ours = p.macs / 1e9;
      row.ratio = row.ours / published.gmacs;
      row.within = Math.abs(row.ratio - 1) <= TOLERANCE;
      row.params = p.params;
      row.torchParams = entry.torchParams;
      row.complete = p.complete;
      const notes: string[] = [];
      if (!p.complete)
        notes.push(
          `not counted: ${p.unsupported.map((u) => `${u.opType} x${u.count} (${u.reason})`).join('; ')}`,
        );
      if (!row.within) {
        notes.push(
          `off by ${((row.ratio - 1) * 100).toFixed(1)} %; the published figure is rounded to 3 decimals (${published.gmacs} G)`,
        );
      }
      if (model === 'vit_b_16') {
        notes.push(
          'exported with autograd on: under torch.no_grad() torch 1.13 fails on aten::_native_multi_head_attention',
        );
      }
      const pn = paramsNote(p, entry.torchParams, published.batchNorm);
      if (pn) notes.push(pn);
      row.note = notes.join('; ');
    } catch (error) {
      row.note = `profiler failed: ${error instanceof ProfilerError ? `${error.code}: ` : ''}${error instanceof Error ? error.message : String(error)}`;
      row.within = false;
    }
  }

  const gitSha = (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  const provenance = {
    date: new Date().toISOString(),
    gitSha,
    node: process.version,
    cpu: cpus()[0]?.model ?? 'unknown',
    torch: manifest.torch,
    torchvision: manifest.torchvision,
    opset: manifest.opset,
    inputSize: [3, 224, 224],
    tolerance: TOLERANCE,
    publishedSource:
      'torchvision weights meta `_ops` (GMACs, shown as "GFLOPS") and `num_params`, https://pytorch.org/vision/stable/models.html',
  };
  writeFileSync(
    join(__dirname, 'results', 'profiler-torchvision.json'),
    JSON.stringify({ provenance, rows }, null, 2) + '\n',
  );

  const fmt = (n: number | undefined, digits: number) =>
    n === undefined ? '—' : n.toFixed(digits);
  const int = (n: number | undefined) => (n === undefined ? '—' : n.toLocaleString('en-US'));
  const md = [
    '# libs/profiler vs torchvision published compute',
    '',
    `torch ${manifest.torch}, torchvision ${manifest.torchvision}, ONNX opset ${manifest.opset}, input 1×3×224×224, symbolic batch;`,
    `Node ${process.version}, git ${gitSha}, ${provenance.date.slice(0, 10)}.`,
    'Published: torchvision weights meta `_ops` (its "GFLOPS" column, which counts multiply-adds) and `num_params`.',
    `Tolerance ±${TOLERANCE * 100} %.`,
    '',
    '| model | ours GMACs | published GMACs | ratio | within ±3 % | ours params | torch params | profile ms | notes |',
    '| --- | ---: | ---: | ---: | :---: | ---: | ---: | ---: | --- |',
    ...rows.map(
      (r) =>
        `| ${r.model} | ${fmt(r.ours, 4)} | ${r.published.toFixed(3)} | ${fmt(r.ratio, 4)} | ${r.within === undefined ? '—' : r.within ? 'yes' : 'no'} | ${int(r.params)} | ${int(r.torchParams ?? r.publishedParams)} | ${r.profileMs ?? '—'} | ${r.note || '—'} |`,
    ),
    '',
  ].join('\n');
  writeFileSync(join(__dirname, 'results', 'profiler-torchvision.md'), md);
  console.log(md);
  const failed = rows.filter((r) => r.ours !== undefined && !r.within);
  return failed.length > 0 ? 1 : 0;
}

process.exitCode = main();
