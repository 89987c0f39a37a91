// Plain-text tables for terminal output: columns padded to their widest cell, numbers on the right.

/** `header` null: rows only. */
export function textTable(header: string[] | null, rows: (string | number)[][]): string {
  const cells = [...(header === null ? [] : [header]), ...rows.map((row) => row.map(String))]
  const columns = cells[0]?.length ?? 0
  const numeric = Array.from({ length: columns }, (_, column) =>
    rows.length > 0 && rows.every((row) => typeof row[column] === 'number'))
  const widths = numeric.map((_, column) => Math.max(...cells.map((row) => row[column].length)))
  const line = (row: string[]): string =>
    row.map((cell, column) => (numeric[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join('  ').trimEnd()
  return cells.map(line).join('\n') + '\n'
}
