// The inference path against its limit and its peer (issue "Inference path vs the limit and vs
// the peer"):
//
//   npx nx build worker
//   /usr/bin/python3 bench/worker/export_imagenet.py /tmp/tinysaver-worker-bench-onnx \
//     resnet18 resnet50 mobilenet_v3_large convnext_tiny
//   npx tsx --conditions=development bench/inference.bench.ts [/tmp/tinysaver-worker-bench-onnx]
//
// Same models, same images, same batch sizes (1, 32, 128), same threads (2) for three paths:
// the limit (onnxruntime-node session.run on pre-made tensors), the farm (the built worker, one
// records job: S3 shard → record) and the peer (PyTorch eager from Debian with a DataLoader,
// bench/inference/peer_torch.py). Models: the zoo's cnn-small on a fixture PNG shard, and
// torchvision resnet18, resnet50, mobilenet_v3_large, convnext_tiny (random seeded weights) on
// the worker bench's synthetic JPEG shard. Reports images/s, farm/limit, farm/peer and GMAC/s
// against this CPU's peak; writes bench/results/inference.{json,md}. Exits 1 when a goal is
// missed (farm ≥ 0.85 × limit on ImageNet-size models, farm ≥ 1.5 × the peer), after writing.
// Knobs: bench/inference/options.ts (BENCH_INFERENCE_MODELS, _BATCHES, _IMAGES, _RUNS, …).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { WORKER_DIST, WORKER_MAIN, type BenchFarm } from './worker/farm';
import { measureDecodeCost, shardImages, type DecodeCost } from './worker/decode-cost';
import { makeSyntheticJpegShard } from './worker/synthetic-shard';
import {
  loadExportedModel,
  loadZooModel,
  zooShardImages,
  ZOO_SHARD_FILE,
  type BenchModel,
  type ExportManifest,
} from './inference/bench-models';
import { cpuPeak } from './inference/cpu-peak';
import { cellFigures } from './inference/figures';
import { measureFma, type MeasuredFma } from './inference/measured-fma';
import { openLimitSession } from './inference/limit-session';
import { readOptions } from './inference/options';
import { checkParity, type Parity } from './inference/parity';
import { QuietRuns } from './inference/quiet-runs';
import { renderMarkdown, type Provenance } from './inference/report-markdown';
import { runBatch, type Cell, type ShardInput } from './inference/run-cells';
import { TorchPeer } from './inference/torch-peer';

const ROOT = join(__dirname, '..');
const DEFAULT_ONNX_DIR = '/tmp/tinysaver-worker-bench-onnx';
const JPEG_SEED = 20_240_326;

const sh = (cmd: string, args: string[]) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', cwd: ROOT }).trim();
  } catch {
    return '';
  }
};
const version = (pkg: string) =>
  (
    JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;

async function main(): Promise<number> {
  const started = performance.now();
  const options = readOptions();
  const dir = process.argv[2] ?? DEFAULT_ONNX_DIR;
  const imagenet = options.models.filter((m) => m !== 'cnn-small');
  if (imagenet.length && !existsSync(join(dir, 'manifest.json'))) {
    console.error(
      `${join(dir, 'manifest.json')} is missing: /usr/bin/python3 bench/worker/export_imagenet.py ${dir} ${imagenet.join(' ')}`,
    );
    return 2;
  }
  if (!existsSync(WORKER_MAIN)) {
    console.error(`${WORKER_MAIN} is missing: build the worker first (npx nx build worker).`);
    return 2;
  }
  const manifest: ExportManifest = imagenet.length
    ? (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ExportManifest)
    : { torch: '—', torchvision: '—', opset: 0, models: {} };
  const peak = cpuPeak();
  console.log(`peak: ${peak.derivation}`);
  const models: BenchModel[] = options.models.map((m) =>
    m === 'cnn-small' ? loadZooModel() : loadExportedModel(dir, manifest, m),
  );

  // Shards: the fixture PNGs as they are; the JPEGs made as the worker bench makes them, written
  // to a temporary file for the peer (the farm gets the same bytes through s3rver).
  const work = mkdtempSync(join(tmpdir(), 'tinysaver-inference-bench-'));
  const zooBytes = readFileSync(ZOO_SHARD_FILE);
  console.log(`making ${options.images} synthetic JPEGs …`);
  const jpeg = await makeSyntheticJpegShard({
    images: options.images,
    sizes: [
      [500, 375],
      [500, 375],
      [375, 500],
    ],
    quality: 90,
    classes: 1000,
    seed: JPEG_SEED,
  });
  const jpegFile = join(work, 'synthetic-jpeg-000000.tar');
  writeFileSync(jpegFile, jpeg.bytes);
  const shards: Record<BenchModel['shard'], ShardInput> = {
    zoo: {
      id: 'evaluation-000000.tar.gz',
      dataset: 'fashion-mnist-evaluation',
      file: ZOO_SHARD_FILE,
      bytes: zooBytes,
      images: zooShardImages(),
    },
    jpeg: {
      id: 'synthetic-jpeg-000000.tar',
      dataset: 'synthetic-jpeg',
      file: jpegFile,
      bytes: jpeg.bytes,
      images: options.images,
    },
  };
  const decodedShards = {
    zoo: await shardImages(zooBytes, shards.zoo.id),
    jpeg: await shardImages(jpeg.bytes, shards.jpeg.id),
  };

  const peer = await TorchPeer.start();
  let farm: BenchFarm | undefined;
  const quiet = new QuietRuns(
    () => [process.pid, peer.pid, ...(farm ? [farm.workerPid] : [])],
    options,
  );
  const parity: Record<string, Parity> = {};
  let fma: MeasuredFma[] | undefined;
  const decodeCost = new Map<string, DecodeCost>();
  const cells: Cell[] = [];
  try {
    const measured = await quiet.measure(
      'FMA loop',
      () => Promise.resolve(measureFma(peak)),
      (m) => m?.busyShare ?? 0,
    );
    fma = measured.value?.runs;
    for (const m of fma ?? [])
      console.log(
        `measured: ${m.threads} thread(s) × ${m.width}-bit FMA ${m.gmacs.toFixed(1)} GMAC/s (as ${m.impliedGhz.toFixed(2)} GHz)`,
      );
    // Same model, same images: checked once per model before anything is timed.
    for (const m of models) {
      const session = await openLimitSession(m, 1, 1);
      await peer.load(m, shards[m.shard].file);
      const count = m.name === 'cnn-small' ? 64 : options.parityImages;
      parity[m.name] = await checkParity(
        WORKER_DIST,
        m,
        decodedShards[m.shard],
        peer,
        session,
        count,
      );
      await session.close();
      const p = parity[m.name];
      console.log(
        `parity ${m.name}: tensors max ${p.maxLevels.toFixed(2)} levels; onnxruntime vs torch top-1 ${p.modelTop1Agreement}; farm vs peer top-1 ${p.farmTop1Agreement}`,
      );
    }
    // The worker's decode CPU per image with a batch in flight, as its compute thread decodes.
    for (const batch of options.batches)
      for (const kind of ['zoo', 'jpeg'] as const) {
        const m = models.find((x) => x.shard === kind);
        if (!m) continue;
        decodeCost.set(
          `${kind}@${batch}`,
          await measureDecodeCost(WORKER_DIST, decodedShards[kind], m.preprocess, {
            passes: 1,
            inFlight: batch,
            vipsThreads: 1,
          }),
        );
      }
    for (const batch of options.batches)
      cells.push(
        ...(await runBatch(batch, {
          options,
          models,
          shards,
          peer,
          quiet,
          setFarm: (f) => (farm = f),
        })),
      );
  } catch (error) {
    console.error(peer.stderr.join('').slice(-3000));
    throw error;
  } finally {
    await peer.stop();
    rmSync(work, { recursive: true, force: true });
  }

  const rows = cells.map((c) => {
    const m = models.find((x) => x.name === c.model)!;
    return cellFigures(
      c,
      m.macs,
      m.shard === 'jpeg',
      decodeCost.get(`${m.shard}@${c.batch}`)!,
      peak,
      options.cores,
    );
  });
  const gitSha = sh('git', ['rev-parse', '--short', 'HEAD']) || 'unknown';
  const pv = peer.versions;
  const provenance: Provenance = {
    date: new Date().toISOString(),
    gitSha,
    gitDirty: sh('git', ['status', '--porcelain']) !== '',
    machine: `${peak.model} (family ${peak.family} model ${peak.modelNumber}), ${peak.logicalCpus} CPUs, ${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    onnxruntimeNode: version('onnxruntime-node'),
    sharp: version('sharp'),
    python: pv.python,
    torch: pv.torch,
    torchvision: pv.torchvision,
    pil: pv.pil,
    numpy: pv.numpy,
    torchBlas: pv.blas,
    torchMkldnn: pv.mkldnn,
    exportedWith: `torch ${manifest.torch}, torchvision ${manifest.torchvision}`,
    opset: manifest.opset,
    runs: options.runs,
    maxForeignShare: options.maxForeign,
    benchSeconds: Math.round((performance.now() - started) / 1000),
    quietWaitSeconds: Math.round(quiet.waitedMs / 1000),
    repeatedSeconds: Math.round(quiet.repeatedMs / 1000),
  };
  const shardText = {
    zoo: `fixtures/datasets/fashion-mnist-evaluation/evaluation-000000.tar.gz: ${shards.zoo.images} PNG 28×28 grey; preprocessing from the zoo manifest (1×28×28, crop 1.0, mean 0.286, std 0.353)`,
    jpeg: `${options.images} synthetic JPEGs (bench/worker/synthetic-shard.ts, seed ${JPEG_SEED}; ${Object.entries(
      jpeg.sizes,
    )
      .map(([k, n]) => `${n}× ${k}`)
      .join(
        ', ',
      )}, q90 4:2:0, mean ${Math.round(jpeg.jpegBytes / options.images / 1024)} KiB) in an uncompressed tar; timm's preprocessing: shorter side to 256 bilinear, centre crop 224, ImageNet mean/std`,
  };
  const shardLines = (['zoo', 'jpeg'] as const)
    .filter((k) => models.some((m) => m.shard === k))
    .map((k) => ({
      model: models
        .filter((m) => m.shard === k)
        .map((m) => m.name)
        .join(', '),
      text: shardText[k],
    }));
  const md = renderMarkdown(rows, parity, peak, provenance, shardLines, fma);
  writeFileSync(join(__dirname, 'results', 'inference.md'), md);
  writeFileSync(
    join(__dirname, 'results', 'inference.json'),
    JSON.stringify(
      {
        provenance,
        peerVersions: pv,
        cpuPeak: peak,
        measuredFma: fma,
        options: { ...options, peerImages: undefined },
        shards: shardLines,
        models: models.map((m) => ({ name: m.name, macs: m.macs, sha256: m.sha256 })),
        parity,
        decodeCost: Object.fromEntries(decodeCost),
        rows,
        cells,
      },
      null,
      2,
    ) + '\n',
  );
  console.log(`\n${md}`);
  const missed = rows.filter((r) => r.limitGoalMet === false || r.peerGoalMet === false);
  for (const r of missed)
    console.error(
      `GOAL MISSED: ${r.model} batch ${r.batch}: farm/limit ${r.farmOverLimit.toFixed(3)}${r.farmOverPeer === undefined ? '' : `, farm/peer ${r.farmOverPeer.toFixed(2)}`}`,
    );
  return missed.length ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
