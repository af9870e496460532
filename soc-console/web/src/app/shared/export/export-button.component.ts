import { ChangeDetectionStrategy, Component, DOCUMENT, inject, input, signal } from '@angular/core';
import { DecimalPipe } from '@angular/common';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { readExport, type ExportFormat, type ExportProgress } from './export-stream';

/**
 * CSV / NDJSON export streamed with fetch: a progress bar counts rows against X-Total-Count, then the file
 * is handed to the browser as a Blob download. `url` is built by the caller (filters included).
 */
@Component({
  selector: 'soc-export-button',
  imports: [TranslatePipe, DecimalPipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <span class="export">
      <button type="button" (click)="run('csv')" [disabled]="busy()" data-testid="export-csv">{{ 'export.csv' | t }}</button>
      <button type="button" (click)="run('ndjson')" [disabled]="busy()" data-testid="export-ndjson">{{ 'export.ndjson' | t }}</button>
      @if (progress(); as p) {
        <span class="export__progress" data-testid="export-progress">
          <progress [attr.value]="p.fraction" max="1" [attr.aria-label]="'export.progress' | t"></progress>
          {{ p.rows | number }}@if (p.total !== null) { / {{ p.total | number }} } {{ 'export.rows' | t }}
          @if (done()) { ✓ }
        </span>
      }
      @if (busy()) { <button type="button" (click)="cancel()">{{ 'common.cancel' | t }}</button> }
      @if (error()) { <span class="error" role="alert">{{ error() }}</span> }
    </span>
  `,
})
export class ExportButtonComponent {
  private readonly document = inject(DOCUMENT);
  /** URL without the format parameter. */
  readonly url = input.required<string>();
  readonly filename = input('export');
  protected readonly progress = signal<ExportProgress | null>(null);
  protected readonly busy = signal(false);
  protected readonly done = signal(false);
  protected readonly error = signal('');
  private abort: AbortController | null = null;

  async run(format: ExportFormat): Promise<void> {
    this.busy.set(true);
    this.done.set(false);
    this.error.set('');
    this.progress.set({ rows: 0, total: null, bytes: 0, fraction: null });
    this.abort = new AbortController();
    try {
      const sep = this.url().includes('?') ? '&' : '?';
      const res = await fetch(`${this.url()}${sep}format=${format}`, { credentials: 'same-origin', signal: this.abort.signal });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const { parts } = await readExport(res, format, (p) => this.progress.set(p));
      const blob = new Blob(parts as BlobPart[], { type: format === 'csv' ? 'text/csv' : 'application/x-ndjson' });
      this.save(blob, `${this.filename()}.${format === 'csv' ? 'csv' : 'ndjson'}`);
      this.done.set(true);
    } catch (e) {
      this.error.set((e as Error).name === 'AbortError' ? '' : String((e as Error).message ?? e));
    } finally {
      this.busy.set(false);
      this.abort = null;
    }
  }

  cancel(): void {
    this.abort?.abort();
  }

  private save(blob: Blob, name: string): void {
    const a = this.document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    this.document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  }
}
