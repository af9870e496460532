import { afterEach, describe, expect, it, vi } from 'vitest';
import { TestBed } from '@angular/core/testing';
import { ExportButtonComponent } from './export-button.component';

function streamedResponse(lines: string[], total: number): Response {
  const bytes = new TextEncoder().encode(lines.join('\n') + '\n');
  let at = 0;
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(c) {
        if (at >= bytes.length) return c.close();
        c.enqueue(bytes.slice(at, at + 50));
        at += 50;
      },
    }),
    { headers: { 'X-Total-Count': String(total), 'Content-Type': 'application/x-ndjson' } },
  );
}

describe('ExportButtonComponent', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('streams the export, shows rows against X-Total-Count, and hands a Blob to the browser', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => JSON.stringify({ i, message: '登录失败' }));
    const fetchMock = vi.fn(async () => streamedResponse(lines, 40));
    vi.stubGlobal('fetch', fetchMock);
    const blobs: Blob[] = [];
    URL.createObjectURL = (b: Blob) => (blobs.push(b), 'blob:test');
    URL.revokeObjectURL = () => undefined;
    HTMLAnchorElement.prototype.click = () => undefined;

    const fixture = TestBed.createComponent(ExportButtonComponent);
    fixture.componentRef.setInput('url', '/api/v1/events/export?dataset=events&q=a');
    await fixture.whenStable();
    (fixture.nativeElement as HTMLElement).querySelector<HTMLButtonElement>('[data-testid=export-ndjson]')!.click();
    await vi.waitFor(() => expect(blobs.length).toBe(1));
    await fixture.whenStable();
    expect(fetchMock).toHaveBeenCalledWith('/api/v1/events/export?dataset=events&q=a&format=ndjson', expect.anything());
    const progress = (fixture.nativeElement as HTMLElement).querySelector('[data-testid=export-progress]')!;
    expect(progress.textContent).toMatch(/40\s*\/\s*40/);
    expect(progress.textContent).toContain('✓');
    expect(progress.querySelector('progress')!.getAttribute('value')).toBe('1');
    const text = await new Promise<string>((resolve) => {
      const r = new FileReader();
      r.onload = () => resolve(r.result as string);
      r.readAsText(blobs[0]!);
    });
    expect(text).toBe(lines.join('\n') + '\n');
  });

  it('shows the HTTP error and re-enables the buttons', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('{"error":"nope"}', { status: 403 })));
    const fixture = TestBed.createComponent(ExportButtonComponent);
    fixture.componentRef.setInput('url', '/api/v1/events/export');
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    el.querySelector<HTMLButtonElement>('[data-testid=export-csv]')!.click();
    await vi.waitFor(() => expect(el.querySelector('.error')?.textContent).toContain('403'));
    await fixture.whenStable();
    expect(el.querySelector<HTMLButtonElement>('[data-testid=export-csv]')!.disabled).toBe(false);
  });
});
