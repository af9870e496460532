import { Injectable, signal } from '@angular/core';
import { DEFAULT_TIME_ZONE } from './time-range';

/** Display time zone for every date the console shows (Asia/Shanghai unless the user switches to UTC). */
@Injectable({ providedIn: 'root' })
export class TimeSettingsService {
  readonly timeZone = signal<string>(DEFAULT_TIME_ZONE);
}
