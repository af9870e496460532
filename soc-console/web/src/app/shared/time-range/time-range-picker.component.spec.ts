import { describe, expect, it } from 'vitest';
import { TestBed } from '@angular/core/testing';
import { TimeRangePickerComponent } from './time-range-picker.component';
import type { TimeRange } from '../../core/time/time-range';

describe('TimeRangePickerComponent', () => {
  it('presets set the range; a custom range is read as Beijing time and checked for order', async () => {
    const fixture = TestBed.createComponent(TimeRangePickerComponent);
    const seen: TimeRange[] = [];
    fixture.componentInstance.range.subscribe((r) => seen.push(r));
    await fixture.whenStable();
    const el = fixture.nativeElement as HTMLElement;
    const select = el.querySelector<HTMLSelectElement>('[data-testid=time-preset]')!;
    select.value = '15m';
    select.dispatchEvent(new Event('change'));
    await fixture.whenStable();
    expect(seen.at(-1)).toEqual({ preset: '15m' });

    select.value = 'custom';
    select.dispatchEvent(new Event('change'));
    await fixture.whenStable();
    const [from, to] = Array.from(el.querySelectorAll<HTMLInputElement>('input[type=datetime-local]'));
    expect(from && to).toBeTruthy();
    from!.value = '2026-11-29T08:00';
    from!.dispatchEvent(new Event('input'));
    to!.value = '2026-11-29T09:30';
    to!.dispatchEvent(new Event('input'));
    await fixture.whenStable();
    el.querySelector<HTMLButtonElement>('fieldset button')!.click();
    await fixture.whenStable();
    expect(seen.at(-1)).toEqual({ preset: 'custom', from: '2026-11-29T00:00:00.000Z', to: '2026-11-29T01:30:00.000Z' });

    to!.value = '2026-11-29T07:00';
    to!.dispatchEvent(new Event('input'));
    el.querySelector<HTMLButtonElement>('fieldset button')!.click();
    await fixture.whenStable();
    expect(el.querySelector('[role=alert]')!.textContent).toContain('开始时间必须早于结束时间');
  });
});
