import { ChangeDetectionStrategy, Component, computed, inject, model, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { TranslatePipe } from '../../core/i18n/translate.pipe';
import { TimeSettingsService } from '../../core/time/time-settings.service';
import { PRESETS, isoToWallClock, wallClockToIso, type Preset, type TimeRange } from '../../core/time/time-range';

let nextId = 0;

/** Preset ranges plus a custom from/to typed in the display time zone; two-way bound with `[(range)]`. */
@Component({
  selector: 'soc-time-range',
  imports: [FormsModule, TranslatePipe],
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <fieldset class="time-range">
      <legend class="sr-only">{{ 'time.range' | t }}</legend>
      <label [for]="id + '-preset'">{{ 'time.range' | t }}</label>
      <select [id]="id + '-preset'" [ngModel]="range().preset" (ngModelChange)="choose($event)" data-testid="time-preset">
        @for (p of presets; track p) { <option [value]="p">{{ 'time.preset.' + p | t }}</option> }
      </select>
      @if (range().preset === 'custom') {
        <label [for]="id + '-from'">{{ 'time.from' | t }}</label>
        <input type="datetime-local" [id]="id + '-from'" [(ngModel)]="fromLocal" />
        <label [for]="id + '-to'">{{ 'time.to' | t }}</label>
        <input type="datetime-local" [id]="id + '-to'" [(ngModel)]="toLocal" />
        <button type="button" (click)="applyCustom()">{{ 'common.apply' | t }}</button>
        @if (error()) { <span class="error" role="alert">{{ error() | t }}</span> }
      }
      <span class="muted tz">{{ zone() }}</span>
    </fieldset>
  `,
})
export class TimeRangePickerComponent {
  private readonly settings = inject(TimeSettingsService);
  readonly range = model<TimeRange>({ preset: '24h' });
  protected readonly presets = PRESETS;
  protected readonly id = `tr${nextId++}`;
  protected readonly zone = computed(() => this.settings.timeZone());
  protected readonly fromLocal = signal('');
  protected readonly toLocal = signal('');
  protected readonly error = signal('');

  protected choose(p: Preset): void {
    if (p !== 'custom') {
      this.range.set({ preset: p });
      return;
    }
    const now = Date.now();
    const tz = this.settings.timeZone();
    this.fromLocal.set(isoToWallClock(new Date(now - 3_600_000).toISOString(), tz));
    this.toLocal.set(isoToWallClock(new Date(now).toISOString(), tz));
    this.range.set({ preset: 'custom', from: new Date(now - 3_600_000).toISOString(), to: new Date(now).toISOString() });
  }

  protected applyCustom(): void {
    try {
      const tz = this.settings.timeZone();
      const from = wallClockToIso(this.fromLocal(), tz);
      const to = wallClockToIso(this.toLocal(), tz);
      if (Date.parse(from) >= Date.parse(to)) throw new Error('time.order');
      this.error.set('');
      this.range.set({ preset: 'custom', from, to });
    } catch (e) {
      this.error.set((e as Error).message.startsWith('time.') ? (e as Error).message : 'time.invalid');
    }
  }
}
