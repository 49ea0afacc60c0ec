/** One column of a table: its header and how a row shows in it. */
export interface Column<T> {
  readonly header: string;
  value(row: T): string;
}

const gap = '   ';

/** Left-aligned columns, upper-case headers, three spaces apart (as kubectl prints). */
export function renderTable<T>(columns: readonly Column<T>[], rows: readonly T[]): string {
  const cells = [
    columns.map((c) => c.header.toUpperCase()),
    ...rows.map((row) => columns.map((c) => c.value(row) || '-')),
  ];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => line[i]!.length)));
  return cells
    .map((line) =>
      line
        .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i]!)))
        .join(gap)
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}
