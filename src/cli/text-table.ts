// Plain-text tables for terminal output: columns padded to their widest cell, numbers on the right.
// Names in a trace come from its file, so text cells are made printable first.

/**
 * C0 and C1 controls, DEL, and the bidirectional overrides and isolates: a name holding them
 * could move the cursor, recolour or clear the terminal, break a table row or reorder what is shown.
 */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g

/** `text` with every unprintable character written as a \uXXXX escape. */
export function printable(text: string): string {
  return text.replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}

/** `header` null: rows only. */
export function textTable(header: string[] | null, rows: (string | number)[][]): string {
  const cells = [...(header === null ? [] : [header]), ...rows.map((row) => row.map((cell) => printable(String(cell))))]
  const columns = cells[0]?.length ?? 0
  const numeric = Array.from({ length: columns }, (_, column) =>
    rows.length > 0 && rows.every((row) => typeof row[column] === 'number'))
  const widths = numeric.map((_, column) => Math.max(...cells.map((row) => row[column].length)))
  const line = (row: string[]): string =>
    row.map((cell, column) => (numeric[column] ? cell.padStart(widths[column]) : cell.padEnd(widths[column])))
      .join('  ').trimEnd()
  return cells.map(line).join('\n') + '\n'
}
