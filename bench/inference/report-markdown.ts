// bench/results/inference.md: every table of the inference bench, with its provenance.
import type { CpuPeak } from './cpu-peak';
import type { MeasuredFma } from './measured-fma';
import {
  GOAL_FARM_OVER_LIMIT,
  GOAL_FARM_OVER_PEER,
  type CellFigures,
  type PeerFigures,
} from './figures';
import type { Parity } from './parity';
import type { Stats } from './stats';

export interface Provenance {
  readonly date: string;
  readonly gitSha: string;
  readonly gitDirty: boolean;
  readonly machine: string;
  readonly node: string;
  readonly onnxruntimeNode: string;
  readonly sharp: string;
  readonly python: string;
  readonly torch: string;
  readonly torchvision: string;
  readonly pil: string;
  readonly numpy: string;
  readonly torchBlas: string;
  readonly torchMkldnn: boolean;
  readonly exportedWith: string;
  readonly opset: number;
  readonly runs: number;
  readonly maxForeignShare: number;
  readonly benchSeconds: number;
  readonly quietWaitSeconds: number;
  readonly repeatedSeconds: number;
}

export interface ShardDescription {
  readonly model: string;
  readonly text: string;
}

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const f3 = (n: number) => n.toFixed(3);
const pct = (n: number) => `${(n * 100).toFixed(0)} %`;
const pct1 = (n: number) => `${(n * 100).toFixed(1)} %`;
const int = (n: number) => Math.round(n).toLocaleString('en-US');
/** images/s with sensible precision across 0.3 … 30,000. */
const ips = (n: number) => (n >= 1000 ? int(n) : n >= 10 ? f1(n) : f2(n));
const spread = (s: Stats) => `${ips(s.median)} (${ips(s.min)}–${ips(s.max)})`;
const tick = (met: boolean | undefined) => (met === undefined ? '' : met ? ' ✔' : ' ✘');

function peerCell(p: PeerFigures | undefined, cellImages: number) {
  if (!p) return 'not measured';
  return `${spread(p.imagesPerSecond)}${p.images < cellImages ? ` [${p.images} images]` : ''}`;
}

export function renderMarkdown(
  rows: readonly CellFigures[],
  parity: Record<string, Parity>,
  peak: CpuPeak,
  prov: Provenance,
  shards: readonly ShardDescription[],
  fma: readonly MeasuredFma[] | undefined,
): string {
  // The measured peak: the best FMA loop with every core busy.
  const measuredPeak = Math.max(
    0,
    ...(fma ?? []).filter((m) => m.threads === peak.physicalCores).map((m) => m.gmacs),
  );
  const ofMeasured = (gmacs: number) => (measuredPeak > 0 ? `, ${pct1(gmacs / measuredPeak)}` : '');
  const models = [...new Set(rows.map((r) => r.model))];
  const extraWorkers = [...new Set(rows.flatMap((r) => r.peer.map((p) => p.workers)))].filter(
    (w) => w > 0,
  );
  const lines = [
    '# Inference path: the farm vs the onnxruntime limit vs the PyTorch peer',
    '',
    `${prov.machine}; Node ${prov.node}, onnxruntime-node ${prov.onnxruntimeNode}, sharp ${prov.sharp}; Python ${prov.python}, torch ${prov.torch} (BLAS ${prov.torchBlas}, oneDNN ${prov.torchMkldnn ? 'on' : 'off'}), torchvision ${prov.torchvision}, PIL ${prov.pil}, numpy ${prov.numpy}; models exported with ${prov.exportedWith}, opset ${prov.opset}; git ${prov.gitSha}${prov.gitDirty ? ' (uncommitted changes)' : ''}; ${prov.date}.`,
    '',
    `Same threads everywhere: onnxruntime intra-op 2 / inter-op 1 (limit and worker: ORT_INTRA_OP_THREADS=2, WORKER_CONCURRENCY=1; the limit keeps onnxruntime’s default intra-op spinning, the worker ORT_SPINNING=${process.env.ORT_SPINNING ?? 'false (its default)'}), torch.set_num_threads(2) with DataLoader num_workers=0 (decoding in the main process, as the research code records predictions)` +
      (extraWorkers.length ? `, and also num_workers=${extraWorkers.join(', ')}` : '') +
      '. Same batch size for the three paths (worker: WORKER_BATCH_SIZE).',
    '',
    '- **limit**: InferenceSession.run alone on pre-made float32 batches over the shard’s image count, after warm-up;',
    '- **farm**: the built worker (apps/worker/dist) on one records job: S3 (s3rver) download of the shard → decode → inference → record written, timed by the job’s wallMs; the worker is restarted per batch size and its first job per model (download, session opening) is not counted;',
    '- **peer**: bench/inference/peer_torch.py, PyTorch eager: read the shard file (tarfile), PIL decode, torchvision Resize/CenterCrop/ToTensor/Normalize, DataLoader, model.eval() under torch.no_grad(), softmax top-5, saved with numpy; after one warm-up forward of at most 8 images.',
    '',
    ...shards.map((s) => `- ${s.model}: ${s.text}`),
    '',
    `Each cell: ${prov.runs} rounds of limit pass → farm job → peer pass; a part during which other processes used more than ${pct(prov.maxForeignShare)} of the machine (from /proc) was repeated (at most 3 tries, least disturbed kept).`,
    '',
    '## Images/s, median (min–max)',
    '',
    '| model | batch | limit | farm | peer (PyTorch) | farm/limit | farm/peer | goal farm ≥ 0.85 × limit (ImageNet-size) | goal farm ≥ 1.5 × peer | others’ CPU, max | parts repeated |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: |',
    ...rows.map((r) => {
      const p0 = r.peer.find((p) => p.workers === 0);
      return `| ${r.model} | ${r.batch} | ${spread(r.limit.imagesPerSecond)} | ${spread(r.farm.imagesPerSecond)} | ${peerCell(p0, r.images)} | **${f3(r.farmOverLimit)}** | **${r.farmOverPeer === undefined ? '—' : f2(r.farmOverPeer)}** | ${r.imagenetSize ? `${f3(r.farmOverLimit)} ≥ ${GOAL_FARM_OVER_LIMIT}${tick(r.limitGoalMet)}` : ''} | ${r.farmOverPeer === undefined ? 'not measured' : `${f2(r.farmOverPeer)} ≥ ${GOAL_FARM_OVER_PEER}${tick(r.peerGoalMet)}`} | ${pct(r.foreignMax)} | ${r.repeated} |`;
    }),
    '',
    'Ratios divide medians. [N images]: the peer classified the first N images of the same shard (a slower peer would not fit the bench’s time).',
    '',
    '## GMAC/s against this CPU’s peak',
    '',
    `Peak: ${peak.derivation}. ${peak.microarchitecture}: ${peak.fmaSource}. Clock: ${peak.mhzSource}. lscpu: ${peak.model}, family ${peak.family}, model ${peak.modelNumber}, ${peak.physicalCores} cores (${peak.logicalCpus} CPUs). GMAC/s = images/s (median) × MACs per image (libs/profiler; the zoo manifest for ${models.includes('cnn-small') ? 'cnn-small' : 'the zoo model'}) ÷ 1e9.`,
    ...(fma
      ? [
          '',
          `Measured with bench/inference/fma_peak.c (independent fp32 FMAs in registers, gcc -O3): ${fma
            .map(
              (m) =>
                `${m.threads} thread${m.threads > 1 ? 's' : ''} × ${m.width}-bit ${f1(m.gmacs)} GMAC/s (as ${f2(m.impliedGhz)} GHz)`,
            )
            .join(
              '; ',
            )}. A measured rate above the derived peak means the cores run above the clock the guest is shown (boost): the measured ${f1(measuredPeak)} GMAC/s is what the paths could reach; the tables give the share of the derived peak, then of the measured one.`,
        ]
      : []),
    '',
    `| model | MMACs/image | batch | limit GMAC/s (of peak${fma ? ': derived, measured' : ''}) | farm GMAC/s (of peak) | peer GMAC/s (of peak) | limit: cores busy |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => {
      const p0 = r.peer.find((p) => p.workers === 0);
      const g = (gmacs: number, ofPeak: number) =>
        `${f2(gmacs)} (${pct1(ofPeak)}${ofMeasured(gmacs)})`;
      return `| ${r.model} | ${f1(r.macs / 1e6)} | ${r.batch} | ${g(r.limit.gmacs, r.limit.ofPeak)} | ${g(r.farm.gmacs, r.farm.ofPeak)} | ${p0 ? g(p0.gmacs, p0.ofPeak) : '—'} | ${f2(r.limit.cores)} |`;
    }),
    '',
    '## Where a farm job’s time goes (medians, ms)',
    '',
    `| model | batch | images | wall | download | decode wait | inference | other compute | rest (parse, records) | limit, same images | limit ms/image wall / CPU | worker decode CPU ms/image | ceiling: decode sharing the cores | farm/limit |`,
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((r) => {
      const b = r.farmBreakdown;
      return `| ${r.model} | ${r.batch} | ${int(r.images)} | ${int(b.wallMs)} | ${int(b.downloadMs)} | ${int(b.decodeWaitMs)} | ${int(b.inferMs)} | ${int(b.otherComputeMs)} | ${int(b.restMs)} | ${int(b.limitMs)} | ${f2(r.perImage.limitWallMs)} / ${f2(r.perImage.limitCpuMs)} | ${f2(r.perImage.decodeCpuMs)} | ${f3(r.ceiling)} | ${f3(r.farmOverLimit)} |`;
    }),
    '',
    'Download: the shard GET. Decode wait: batches not decoded when inference wanted them (always the first). Inference: around session.run in the worker. Other compute: starting each batch’s decode, top-k, messages. Rest: record checks, tar parsing, record encode and upload. Ceiling = limit wall ÷ max(limit wall, (limit CPU + decode CPU) ÷ cores) per image: where onnxruntime keeps every core busy, the worker’s decoding (apps/worker/dist image → tensor, measured alone with the batch in flight) has to take CPU from it.',
    '',
    '## Where the peer’s time goes (medians, ms)',
    '',
    '| model | batch | DataLoader workers | images | pass | model(x) + softmax | rest: tar read, PIL decode, transforms, collate, save | cores busy | images/s |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.flatMap((r) =>
      r.peer.map(
        (p) =>
          `| ${r.model} | ${r.batch} | ${p.workers} | ${int(p.images)} | ${int(p.ms)} | ${int(p.inferMs)} | ${int(p.restMs)} | ${f2(p.cores)} | ${spread(p.imagesPerSecond)} |`,
      ),
    ),
    '',
    '## Same model, same images (checked before timing)',
    '',
    'The first images of each shard through the worker’s own image → tensor step and through the peer’s PIL + torchvision transforms; onnxruntime on the peer’s tensors against the peer’s softmax (same weights: the ONNX files were exported from the same seeded models, cnn-small’s weights are loaded from its ONNX file).',
    '',
    '| model | images | tensor difference, max / mean (8-bit levels) | values > 1 level apart (of all) | onnxruntime vs PyTorch on the same tensors: max prob. difference, top-1 agreement | farm vs peer top-1 agreement |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...Object.entries(parity).map(
      ([m, p]) =>
        `| ${m} | ${p.images} | ${f2(p.maxLevels)} / ${f3(p.meanLevels)} | ${int(p.overOneLevel)} of ${int(p.values)} | ${p.modelMaxProbDiff.toExponential(1)}, ${pct(p.modelTop1Agreement)} | ${pct(p.farmTop1Agreement)} |`,
    ),
    '',
    `Bench ${int(prov.benchSeconds)} s (waiting for quiet ${int(prov.quietWaitSeconds)} s, repeated parts ${int(prov.repeatedSeconds)} s), not counting the worker build and the export.`,
    '',
  ];
  return lines.join('\n');
}
