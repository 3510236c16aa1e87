/** Small helpers to write benchmark results as markdown. */

export type Align = 'left' | 'right';

export interface Column {
  title: string;
  align?: Align;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A GitHub markdown table; cells are escaped, columns padded so the source reads as a table too. */
export function markdownTable(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const body = rows.map((row) => columns.map((_, i) => cell(row[i] ?? '')));
  const head = columns.map((c) => cell(c.title));
  const widths = columns.map((_, i) => Math.max(3, head[i].length, ...body.map((r) => r[i].length)));
  const pad = (text: string, i: number) =>
    columns[i].align === 'right' ? text.padStart(widths[i]) : text.padEnd(widths[i]);
  const line = (cells: string[]) => `| ${cells.map(pad).join(' | ')} |`;
  const rule = `|${columns.map((c, i) => (c.align === 'right' ? `${'-'.repeat(widths[i] + 1)}:` : '-'.repeat(widths[i] + 2))).join('|')}|`;
  return [line(head), rule, ...body.map(line)].join('\n');
}

/** Fixed decimals; NaN (nothing measured) as an em dash, infinity as ∞. */
export function fixed(value: number | null, decimals: number): string {
  if (value === null || Number.isNaN(value)) return '—';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  return value.toFixed(decimals);
}
