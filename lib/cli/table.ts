/**
 * A plain text table with box-drawing borders (the subset of cli-table3 descent used: a header row and string or
 * number cells, left-aligned). Widths count UTF-16 code units, which is right for the ASCII and the few symbols
 * (×, ², µ) descent prints.
 */
export class Table {
  private readonly head: string[];
  private readonly rows: string[][] = [];

  constructor(options: { head: string[]; style?: unknown }) {
    this.head = options.head.map(String);
  }

  push(...rows: (string | number)[][]): number {
    for (const r of rows) this.rows.push(r.map(String));
    return this.rows.length;
  }

  get length(): number {
    return this.rows.length;
  }

  toString(): string {
    const cols = Math.max(this.head.length, ...this.rows.map((r) => r.length));
    const width = Array.from({ length: cols }, (_, j) => Math.max(...[this.head, ...this.rows].map((r) => (r[j] ?? '').length)));
    const line = (l: string, m: string, r: string) => l + width.map((w) => '─'.repeat(w + 2)).join(m) + r;
    const row = (cells: string[]) => '│' + width.map((w, j) => ` ${(cells[j] ?? '').padEnd(w)} `).join('│') + '│';
    const out = [line('┌', '┬', '┐'), row(this.head), line('├', '┼', '┤'), ...this.rows.map(row), line('└', '┴', '┘')];
    return out.join('\n');
  }
}

export default Table;
