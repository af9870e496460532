// Streamed export reading: counts finished rows as bytes arrive so a progress bar can compare them with
// the X-Total-Count header. CSV rows may contain quoted newlines, so CSV counting follows the quotes.

export type ExportFormat = 'csv' | 'ndjson';

export interface ExportProgress {
  rows: number;
  total: number | null;
  bytes: number;
  /** 0..1 when the total is known. */
  fraction: number | null;
}

/** Counts records in a byte stream chunk by chunk; state carries across chunk boundaries. */
export class RowCounter {
  private inQuotes = false;
  private lineHasData = false;
  private headerPending: boolean;
  rows = 0;

  constructor(private readonly format: ExportFormat) {
    this.headerPending = format === 'csv';
  }

  push(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (this.format === 'csv' && b === 0x22) this.inQuotes = !this.inQuotes;
      if (b === 0x0a && !this.inQuotes) this.endLine();
      else if (b !== 0x0d) this.lineHasData = true;
    }
  }

  /** A last record without a trailing newline still counts. */
  finish(): number {
    if (this.lineHasData) this.endLine();
    return this.rows;
  }

  private endLine(): void {
    if (this.lineHasData) {
      if (this.headerPending) this.headerPending = false;
      else this.rows++;
    }
    this.lineHasData = false;
  }
}

export function totalFromHeader(value: string | null): number | null {
  if (value === null || !/^\d+$/.test(value.trim())) return null;
  return Number(value.trim());
}

/**
 * Reads a streamed export response to the end, reporting progress after every chunk; returns the parts
 * (to build a Blob) and the row count. Aborts through `signal` like any fetch.
 */
export async function readExport(
  response: Response,
  format: ExportFormat,
  onProgress: (p: ExportProgress) => void,
): Promise<{ parts: Uint8Array[]; rows: number; total: number | null }> {
  if (!response.body) throw new Error('empty export response');
  const total = totalFromHeader(response.headers.get('X-Total-Count'));
  const counter = new RowCounter(format);
  const parts: Uint8Array[] = [];
  let bytes = 0;
  const reader = response.body.getReader();
  const report = () =>
    onProgress({ rows: counter.rows, total, bytes, fraction: total ? Math.min(counter.rows / total, 1) : total === 0 ? 1 : null });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    bytes += value.byteLength;
    counter.push(value);
    report();
  }
  counter.finish();
  report();
  return { parts, rows: counter.rows, total };
}
