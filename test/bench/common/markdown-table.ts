/** A GitHub-flavoured markdown table; cells must not contain `|`. Throws on a ragged row. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const ragged = rows.findIndex((row) => row.length !== header.length);
  if (ragged !== -1) {
    throw new Error(
      `table row ${ragged} has ${rows[ragged]?.length} cells for ${header.length} columns`,
    );
  }
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** `n` with `digits` decimals, or n/a for a figure that could not be computed. */
export function fixed(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : 'n/a';
}

/** A 0..1 share as a whole percentage. */
export function percent(n: number): string {
  return Number.isFinite(n) ? `${(n * 100).toFixed(0)}%` : 'n/a';
}
