/**
 * CSV cells safe to open in a spreadsheet: every cell quoted, quotes doubled, and a cell that a
 * spreadsheet would read as a formula (= + - @, tab, CR at the start) gets a leading apostrophe
 * (OWASP "CSV injection").
 */
export function csvCell(v: unknown): string {
  let s = v === undefined || v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return `"${s.replace(/"/g, '""')}"`;
}

export function csvRow(values: unknown[]): string {
  return values.map(csvCell).join(',') + '\r\n';
}

/** A dotted field of a nested ECS document. */
export function fieldOf(doc: Record<string, unknown>, field: string): unknown {
  if (field in doc) return doc[field];
  let cur: unknown = doc;
  for (const part of field.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
