// Plain-text tables for humans: a header, a rule under it, one line per row. Pure.

export type Align = 'left' | 'right';

export interface Column {
  readonly header: string;
  /** @defaultValue 'left' */
  readonly align?: Align;
}

/** Display width in code points (the CLI prints no wide or combining characters). */
const width = (text: string) => [...text].length;

function pad(text: string, to: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, to - width(text)));
  return align === 'right' ? fill + text : text + fill;
}

/**
 * Renders `rows` under `columns`, each column as wide as its widest cell, separated by two
 * spaces, without trailing spaces. Missing cells render empty; extra cells are an error.
 */
export function renderTable(
  columns: readonly Column[],
  rows: readonly (readonly string[])[],
): string {
  for (const row of rows) {
    if (row.length > columns.length)
      throw new Error(`a row has ${row.length} cells for ${columns.length} columns`);
  }
  const widths = columns.map((c, i) =>
    Math.max(width(c.header), ...rows.map((r) => width(r[i] ?? ''))),
  );
  const line = (cells: readonly string[]) =>
    columns
      .map((c, i) => pad(cells[i] ?? '', widths[i], c.align ?? 'left'))
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((c) => c.header)),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
  ].join('\n');
}
