import { Pipe, PipeTransform, inject } from '@angular/core';
import { TimeSettingsService } from '../time/time-settings.service';
import { formatInstant } from '../time/time-range';

/** `{{ value | instant }}` in the display time zone; impure so a zone switch re-renders (reads a signal). */
@Pipe({ name: 'instant', pure: false })
export class InstantPipe implements PipeTransform {
  private readonly settings = inject(TimeSettingsService);
  transform(value: string | number | null | undefined): string {
    return formatInstant(value, this.settings.timeZone());
  }
}
