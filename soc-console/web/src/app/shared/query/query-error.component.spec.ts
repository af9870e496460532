import { describe, expect, it, beforeEach } from 'vitest';
import { TestBed } from '@angular/core/testing';
import { QueryErrorComponent } from './query-error.component';
import { TranslationService } from '../../core/i18n/translation.service';

describe('QueryErrorComponent', () => {
  beforeEach(() => localStorage.clear());

  it('puts the caret under the reported column, CJK counted as two cells, and follows the language', async () => {
    const fixture = TestBed.createComponent(QueryErrorComponent);
    fixture.componentRef.setInput('query', 'user.name:"值班" AND AND');
    fixture.componentRef.setInput('details', { column: 20, expected: ['field', 'value'] });
    fixture.componentRef.setInput('message', 'unexpected "AND" at column 20');
    await fixture.whenStable();
    const el: HTMLElement = fixture.nativeElement;
    const caret = el.querySelector('[data-testid=query-caret]')!.textContent!;
    // 19 code points before the column; the two CJK characters take 2 cells each → 21 spaces.
    expect(caret).toBe(`${' '.repeat(21)}^`);
    expect(el.querySelector('mark')!.textContent).toBe('A');
    expect(el.textContent).toContain('第 20 列');
    expect(el.textContent).toContain('field, value');
    TestBed.inject(TranslationService).toggle();
    await fixture.whenStable();
    expect(el.textContent).toContain('column 20');
  });

  it('renders hostile query text as text', async () => {
    const fixture = TestBed.createComponent(QueryErrorComponent);
    fixture.componentRef.setInput('query', '<img src=x onerror="window.hacked=1">');
    fixture.componentRef.setInput('details', { column: 2 });
    await fixture.whenStable();
    expect((fixture.nativeElement as HTMLElement).querySelector('img')).toBeNull();
    expect((window as unknown as { hacked?: number }).hacked).toBeUndefined();
  });
});
