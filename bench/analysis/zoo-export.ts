// Hands the synthetic zoo to numpy: per split one label array, per model and split its top-1
// class and float32 top-1 confidence (what the research loop reads), as .npy files in a temporary
// folder, never in the repository. The TypeScript side can prepare from the same files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelOutcomes } from '@tinysaver/cascade';
import { makeOutcomes } from '@tinysaver/cascade';
import { syntheticRecord } from '../synthetic-zoo';
import { readNpy, writeNpy } from './npy-files';

export const SPLITS = ['selection', 'evaluation'] as const;
export type SplitName = (typeof SPLITS)[number];

export interface ZooManifest {
  models: string[];
  macs: number[];
  splits: SplitName[];
  samples: number;
}

const confPath = (dir: string, split: string, model: string) =>
  join(dir, split, `${model}.conf.npy`);
const predPath = (dir: string, split: string, model: string) =>
  join(dir, split, `${model}.pred.npy`);
const labelPath = (dir: string, split: string) => join(dir, split, 'label.npy');

export function exportZoo(dir: string, zoo: Record<SplitName, ModelOutcomes[]>): ZooManifest {
  for (const split of SPLITS) {
    mkdirSync(join(dir, split), { recursive: true });
    zoo[split].forEach((outcomes, m) => {
      // syntheticRecord gives labels i % 10 and a top-1 class right or wrong as the outcomes say.
      const record = syntheticRecord(outcomes, 1);
      if (m === 0) writeNpy(labelPath(dir, split), record.labels);
      writeNpy(confPath(dir, split, outcomes.name), record.topProbs);
      writeNpy(predPath(dir, split, outcomes.name), record.topClasses);
    });
  }
  const models = zoo.selection;
  const manifest: ZooManifest = {
    models: models.map((o) => o.name),
    macs: models.map((o) => o.macs),
    splits: [...SPLITS],
    samples: models[0].confidence.length,
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  return manifest;
}

/**
 * The TypeScript twin of numpy's load: read confidence and top-1 class from the exported files,
 * compare with the label, and prepare outcomes (libs/cascade's grid levels) for one model.
 */
export function prepareFromFiles(
  dir: string,
  split: SplitName,
  model: string,
  macs: number,
  labels: Int32Array,
  keys: readonly string[],
): ModelOutcomes {
  const confidence = readNpy(confPath(dir, split, model)) as Float32Array;
  const pred = readNpy(predPath(dir, split, model));
  const correct = new Uint8Array(pred.length);
  for (let i = 0; i < pred.length; i++) correct[i] = pred[i] === labels[i] ? 1 : 0;
  return makeOutcomes(model, macs, confidence, correct, keys);
}

export function readLabels(dir: string, split: SplitName): Int32Array {
  return readNpy(labelPath(dir, split)) as Int32Array;
}
