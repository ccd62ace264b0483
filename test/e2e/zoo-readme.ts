import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One base of the zoo README's effect table (computed from PyTorch's own outputs). */
export interface ReadmeRow {
  readonly base: string;
  readonly bestSaver: string;
  readonly deltaC: number;
  readonly budgets: { drop: number; threshold: number; savedTest: number; dropTest: number }[];
}

/** Parses the effect table of tools/zoo/README.md: a base row, then one row per further budget. */
export async function readReadmeTable(repo: string): Promise<ReadmeRow[]> {
  const text = await readFile(join(repo, 'tools', 'zoo', 'README.md'), 'utf8');
  const rows: ReadmeRow[] = [];
  const lines = text.split('\n').filter((l) => /^\|\s*[\w-]*\s*\|\s*[\d.kMG]*\s*\|/.test(l));
  for (const line of lines) {
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((c) => c.trim());
    if (cells.length !== 12 || !/^\d/.test(cells[5])) continue;
    const budget = {
      drop: Number(cells[5]),
      threshold: Number(cells[6]),
      savedTest: Number(cells[8]),
      dropTest: Number(cells[9]),
    };
    if (cells[0])
      rows.push({
        base: cells[0],
        bestSaver: cells[3].split(' ')[0],
        deltaC: Number(cells[4]),
        budgets: [budget],
      });
    else rows[rows.length - 1].budgets.push(budget);
  }
  return rows;
}
