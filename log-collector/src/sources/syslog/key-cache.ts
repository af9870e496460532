/**
 * Field names (`srcip=`, SD-PARAM names…) repeat on every line of a sender. Slicing each one
 * anew makes V8 hash and internalise a fresh string per property store; a small direct-mapped
 * cache of names already seen returns the internalised copy after a plain character compare.
 * Bounded (fixed slot count), so odd senders only cause misses, never growth.
 */
const SLOTS = 1024;
const slots: string[] = new Array<string>(SLOTS).fill('');

/** `s.slice(start, end)`, from the cache when the same name was seen recently. */
export function sliceKey(s: string, start: number, end: number): string {
  const len = end - start;
  if (len <= 0 || len > 64) return s.slice(start, end);
  const h = (s.charCodeAt(start) * 31 + s.charCodeAt(end - 1) * 7 + len * 131) & (SLOTS - 1);
  const hit = slots[h]!;
  if (hit.length === len && s.startsWith(hit, start)) return hit;
  const k = s.slice(start, end);
  slots[h] = k;
  return k;
}
