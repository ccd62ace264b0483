// Prints the TinySaver effect on the zoo as a markdown table: for every base, the best saver
// chosen on the selection split (Procedure A, ΔC), and each accuracy-drop budget's threshold
// chosen on selection and read on the evaluation (test) split, next to the oracle reading.
// Uses PyTorch's per-sample predictions (fixtures/zoo/reference.json.gz) and libs/cascade.
//
//   npx tsx --conditions=development tools/zoo/effect-table.ts [fixtures/zoo]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ModelOutcomes } from '@tinysaver/cascade';
import { analyzePair, DEFAULT_BUDGETS, makeOutcomes, rankSavers } from '@tinysaver/cascade';

type Split = 'selection' | 'evaluation';
interface ZooManifest {
  models: { name: string; macs: number; accuracy: Record<Split, number> }[];
}
interface Reference {
  labels: Record<Split, number[]>;
  keys: Record<Split, string[]>;
  models: Record<string, Record<Split, { top1: number[]; confidence: number[] }>>;
}

const dir = process.argv[2] ?? join(__dirname, '..', '..', 'fixtures', 'zoo');
const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ZooManifest;
const reference = JSON.parse(
  gunzipSync(readFileSync(join(dir, 'reference.json.gz'))).toString(),
) as Reference;

function outcomes(split: Split): ModelOutcomes[] {
  const labels = reference.labels[split];
  const keys = reference.keys[split];
  return manifest.models.map(({ name, macs }) => {
    const { top1, confidence } = reference.models[name][split];
    return makeOutcomes(
      name,
      macs,
      confidence,
      top1.map((c, i) => c === labels[i]),
      keys,
    );
  });
}

const selection = outcomes('selection');
const evaluation = outcomes('evaluation');
const pct = (x: number, digits = 1) => `${(100 * x).toFixed(digits)}`;
const fmtMacs = (m: number) => (m >= 1e6 ? `${(m / 1e6).toFixed(1)}M` : `${(m / 1e3).toFixed(1)}k`);

const lines = [
  '| base | MACs | acc sel / test % | best saver (MACs) | ΔC sel | budget (pts) | τ | saved sel % | saved test % | drop test (pts) | oracle τ | oracle saved test % |',
  '| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
];
manifest.models.forEach((model, b) => {
  const ranked = rankSavers(selection[b], selection.slice(0, b));
  if (ranked.length === 0) return;
  const best = ranked[0];
  const s = selection.findIndex((o) => o.name === best.model);
  const analysis = analyzePair({
    selection: { saver: selection[s], base: selection[b] },
    evaluation: { saver: evaluation[s], base: evaluation[b] },
  });
  analysis.budgets.forEach((budget, i) => {
    const head =
      i === 0
        ? `| ${model.name} | ${fmtMacs(model.macs)} | ${pct(model.accuracy.selection, 2)} / ${pct(model.accuracy.evaluation, 2)} | ${best.model} (${fmtMacs(best.macs)}) | ${best.deltaC.toFixed(3)}${best.useful ? '' : ' (not useful)'} `
        : '| | | | | ';
    lines.push(
      `${head}| ${budget.drop} | ${budget.threshold.toFixed(3)} | ${pct(1 - budget.selection.relativeCost)} | ` +
        `${pct(1 - budget.evaluation.relativeCost)} | ${budget.evaluation.accuracyDrop.toFixed(2)} | ` +
        `${budget.oracle.threshold.toFixed(3)} | ${pct(1 - budget.oracle.relativeCost)} |`,
    );
  });
});
console.log(
  `Budgets: ${DEFAULT_BUDGETS.join(', ')} points; "saved" = 1 − R (negative: the cascade costs more than the base).\n`,
);
console.log(lines.join('\n'));
