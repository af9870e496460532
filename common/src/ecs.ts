import { createHash } from 'node:crypto';

/** Reads a dotted ECS path from a nested document (`source.ip`), also accepting flat dotted keys. */
export function getField(doc: Record<string, unknown>, path: string): unknown {
  if (path in doc) return doc[path];
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Writes a dotted ECS path into a nested document, creating intermediate objects. */
export function setField(doc: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let cur = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = cur[parts[i]!];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[parts[i]!] = {};
    cur = cur[parts[i]!] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

/**
 * Deterministic id from the parts that make a record unique, so a replay of the same input
 * yields the same id and the store overwrites instead of duplicating.
 */
export function stableId(...parts: Array<string | number | Uint8Array | undefined>): string {
  const h = createHash('sha256');
  for (const p of parts) {
    if (p === undefined) h.update('\u0000u');
    else if (typeof p === 'string' || typeof p === 'number') h.update(`\u0000${String(p).length}:${p}`);
    else {
      h.update(`\u0000b${p.length}:`);
      h.update(p);
    }
  }
  return h.digest('hex').slice(0, 40);
}
