// From a cell's runs to the figures the tables show: images/s (min/median/max) of the three
// paths, the ratios of medians the goals are judged on, GMAC/s against the CPU's peak, and where
// the farm's and the peer's time goes.
import type { DecodeCost } from '../worker/decode-cost';
import type { CpuPeak } from './cpu-peak';
import type { Cell } from './run-cells';
import { rate, stats, type Stats } from './stats';

export const GOAL_FARM_OVER_LIMIT = 0.85;
export const GOAL_FARM_OVER_PEER = 1.5;

export interface PeerFigures {
  readonly workers: number;
  readonly images: number;
  readonly imagesPerSecond: Stats;
  readonly gmacs: number;
  /** Share of the CPU's peak GMAC/s. */
  readonly ofPeak: number;
  /** Medians, ms: the pass, model(x) + softmax, and the rest (tar read, PIL decode, transforms). */
  readonly ms: number;
  readonly inferMs: number;
  readonly restMs: number;
  /** Cores busy on average (CPU ÷ wall). */
  readonly cores: number;
  readonly foreignMax: number;
  readonly repeated: number;
}

export interface CellFigures {
  readonly model: string;
  readonly batch: number;
  readonly macs: number;
  readonly imagenetSize: boolean;
  readonly images: number;
  readonly limit: { imagesPerSecond: Stats; gmacs: number; ofPeak: number; cores: number };
  readonly farm: {
    imagesPerSecond: Stats;
    enqueueToDoneImagesPerSecond: Stats;
    gmacs: number;
    ofPeak: number;
    coldWallMs: number;
  };
  /** num_workers = 0 first; absent when the peer was not measured for this cell. */
  readonly peer: PeerFigures[];
  readonly farmOverLimit: number;
  readonly farmOverPeer: number | undefined;
  /** Goals: farm ≥ 0.85 × limit on ImageNet-size models; farm ≥ 1.5 × the peer. */
  readonly limitGoalMet: boolean | undefined;
  readonly peerGoalMet: boolean | undefined;
  /** Medians of the farm jobs, ms. */
  readonly farmBreakdown: {
    wallMs: number;
    downloadMs: number;
    decodeWaitMs: number;
    inferMs: number;
    /** Compute thread, neither waiting for decode nor in session.run: top-k, messages, set-up. */
    otherComputeMs: number;
    /** Outside download and compute: record checks, tar parse, record encode and write. */
    restMs: number;
    limitMs: number;
  };
  /** Per image: the limit's wall and CPU, the worker's decode CPU (batch in flight). */
  readonly perImage: { limitWallMs: number; limitCpuMs: number; decodeCpuMs: number };
  /** Best farm/limit when decoding shares the cores onnxruntime keeps busy. */
  readonly ceiling: number;
  readonly foreignMax: number;
  readonly repeated: number;
}

export function cellFigures(
  cell: Cell,
  macs: number,
  imagenetSize: boolean,
  decode: DecodeCost,
  peak: CpuPeak,
  cores: number,
): CellFigures {
  const gmacs = (imagesPerSecond: number) => (imagesPerSecond * macs) / 1e9;
  const limitRate = stats(cell.limit.map((r) => rate(cell.images, r.value.ms)));
  const limitMs = stats(cell.limit.map((r) => r.value.ms)).median;
  const limitCpuMs = stats(cell.limit.map((r) => r.value.cpuMs)).median;
  const farmRate = stats(cell.farm.map((r) => rate(r.value.samples, r.value.wallMs)));
  const farmQueue = stats(cell.farm.map((r) => rate(r.value.samples, r.value.enqueueToDoneMs)));
  const med = (f: (j: Cell['farm'][number]['value']) => number) =>
    stats(cell.farm.map((r) => f(r.value))).median;
  const peer = cell.peer
    .filter((p) => p.runs.length > 0)
    .map((p): PeerFigures => {
      const pr = stats(p.runs.map((r) => rate(r.value.images, r.value.ms)));
      const pmed = (f: (v: (typeof p.runs)[number]['value']) => number) =>
        stats(p.runs.map((r) => f(r.value))).median;
      return {
        workers: p.workers,
        images: p.runs[0].value.images,
        imagesPerSecond: pr,
        gmacs: gmacs(pr.median),
        ofPeak: gmacs(pr.median) / peak.peakGmacs,
        ms: pmed((v) => v.ms),
        inferMs: pmed((v) => v.inferMs),
        restMs: pmed((v) => v.ms - v.inferMs),
        cores: pmed((v) => v.cpuMs / v.ms),
        foreignMax: Math.max(...p.runs.map((r) => r.foreign)),
        repeated: p.runs.reduce((n, r) => n + r.attempts - 1, 0),
      };
    });
  const farmOverLimit = farmRate.median / limitRate.median;
  const peer0 = peer.find((p) => p.workers === 0);
  const farmOverPeer = peer0 ? farmRate.median / peer0.imagesPerSecond.median : undefined;
  const limitWallMs = limitMs / cell.images;
  const limitCpuPerImage = limitCpuMs / cell.images;
  const all = [...cell.limit, ...cell.farm, ...cell.peer.flatMap((p) => p.runs)];
  return {
    model: cell.model,
    batch: cell.batch,
    macs,
    imagenetSize,
    images: cell.images,
    limit: {
      imagesPerSecond: limitRate,
      gmacs: gmacs(limitRate.median),
      ofPeak: gmacs(limitRate.median) / peak.peakGmacs,
      cores: limitCpuMs / limitMs,
    },
    farm: {
      imagesPerSecond: farmRate,
      enqueueToDoneImagesPerSecond: farmQueue,
      gmacs: gmacs(farmRate.median),
      ofPeak: gmacs(farmRate.median) / peak.peakGmacs,
      coldWallMs: cell.farmCold.wallMs,
    },
    peer,
    farmOverLimit,
    farmOverPeer,
    limitGoalMet: imagenetSize ? farmOverLimit >= GOAL_FARM_OVER_LIMIT : undefined,
    peerGoalMet: farmOverPeer === undefined ? undefined : farmOverPeer >= GOAL_FARM_OVER_PEER,
    farmBreakdown: {
      wallMs: med((j) => j.wallMs),
      downloadMs: med((j) => j.downloadMs),
      decodeWaitMs: med((j) => j.decodeWaitMs),
      inferMs: med((j) => j.inferMs),
      otherComputeMs: med((j) => j.computeMs - j.decodeWaitMs - j.inferMs),
      restMs: med((j) => j.wallMs - j.downloadMs - j.computeMs),
      limitMs,
    },
    perImage: {
      limitWallMs,
      limitCpuMs: limitCpuPerImage,
      decodeCpuMs: decode.cpuMsPerImage,
    },
    ceiling: limitWallMs / Math.max(limitWallMs, (limitCpuPerImage + decode.cpuMsPerImage) / cores),
    foreignMax: Math.max(...all.map((r) => r.foreign)),
    repeated: all.reduce((n, r) => n + r.attempts - 1, 0),
  };
}
