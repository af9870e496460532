import { DestroyRef, effect, inject, signal } from '@angular/core';

/**
 * A tick that advances every `ms` while `enabled` is on; resources that read it reload. Relative time ranges
 * are resolved again on each tick, so "last 15 minutes" keeps moving.
 */
export function autoRefresh(ms = 30_000) {
  const tick = signal(0);
  const enabled = signal(false);
  let timer: ReturnType<typeof setInterval> | undefined;
  effect(() => {
    clearInterval(timer);
    if (enabled()) timer = setInterval(() => tick.update((t) => t + 1), ms);
  });
  inject(DestroyRef).onDestroy(() => clearInterval(timer));
  return { tick, enabled, refresh: () => tick.update((t) => t + 1) };
}
