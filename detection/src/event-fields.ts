// Field resolution on ECS events: dotted names walk nested objects (arrays fan out); a flat key with dots
// ("source.ip": ...) is honoured too because some shippers emit flattened documents.

export type EcsEvent = Record<string, unknown>;
export type Getter = (ev: EcsEvent) => unknown[];

const MISSING: unknown[] = [];

/**
 * Walk nested objects along the dotted path. ECS documents are nested, so the direct child `parts[i]` is
 * tried first; longer flat keys ("a.b" stored under one key) are a fallback with precomputed names.
 */
function walk(node: unknown, parts: string[], joined: string[][], i: number, out: unknown[]): void {
  if (node === null || node === undefined) return;
  if (Array.isArray(node)) {
    for (const el of node) walk(el, parts, joined, i, out);
    return;
  }
  if (i === parts.length) {
    out.push(node);
    return;
  }
  if (typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  const direct = obj[parts[i]!];
  if (direct !== undefined && Object.prototype.hasOwnProperty.call(obj, parts[i]!)) {
    walk(direct, parts, joined, i + 1, out);
    return;
  }
  const row = joined[i]!;
  for (let j = row.length - 1; j >= 1; j--) {
    const key = row[j]!;
    if (Object.prototype.hasOwnProperty.call(obj, key)) {
      walk(obj[key], parts, joined, i + j + 1, out);
      return;
    }
  }
}

/** joined[i][k] = parts[i..i+k].join('.') */
function joinTable(parts: string[]): string[][] {
  return parts.map((_, i) => parts.slice(i).map((__, k) => parts.slice(i, i + k + 1).join('.')));
}

/** Compile a getter returning every leaf value for the field (empty array when absent). */
export function compileGetter(field: string): Getter {
  const parts = field.split('.');
  if (parts.length === 1) {
    return (ev) => {
      const v = ev[field];
      if (v === undefined || v === null) return MISSING;
      return Array.isArray(v) ? flattenArray(v) : [v];
    };
  }
  const joined = joinTable(parts);
  const n = parts.length;
  // Iterative descent through nested objects without allocating; arrays on the way and flattened keys
  // ("a.b" stored as one key) hand over to the general walk from that point.
  return (ev) => {
    let node: unknown = ev;
    for (let i = 0; i < n; i++) {
      if (node === null || node === undefined || typeof node !== 'object') return MISSING;
      if (Array.isArray(node)) return slow(node, i);
      const obj = node as Record<string, unknown>;
      const key = parts[i]!;
      const v = obj[key];
      if (v !== undefined && Object.prototype.hasOwnProperty.call(obj, key)) {
        node = v;
        continue;
      }
      const row = joined[i]!;
      for (let j = row.length - 1; j >= 1; j--) if (Object.prototype.hasOwnProperty.call(obj, row[j]!)) return slow(obj, i);
      return MISSING;
    }
    if (node === null || node === undefined) return MISSING;
    return Array.isArray(node) ? flattenArray(node) : [node];
  };
  function slow(node: unknown, i: number): unknown[] {
    const out: unknown[] = [];
    walk(node, parts, joined, i, out);
    return out.length === 0 ? MISSING : out;
  }
}

function flattenArray(a: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const x of a) {
    if (Array.isArray(x)) out.push(...flattenArray(x));
    else if (x !== null && x !== undefined) out.push(x);
  }
  return out;
}

/** True when the field is present (even if null), per the `exists` modifier semantics. */
export function compileExists(field: string): (ev: EcsEvent) => boolean {
  const parts = field.split('.');
  return (ev) => {
    if (Object.prototype.hasOwnProperty.call(ev, field)) return true;
    let node: unknown = ev;
    for (let i = 0; i < parts.length; i++) {
      if (node === null || typeof node !== 'object' || Array.isArray(node)) return false;
      const obj = node as Record<string, unknown>;
      let found = false;
      for (let j = parts.length; j > i; j--) {
        const key = parts.slice(i, j).join('.');
        if (Object.prototype.hasOwnProperty.call(obj, key)) {
          node = obj[key];
          i = j - 1;
          found = true;
          break;
        }
      }
      if (!found) return false;
    }
    return true;
  };
}

export function scalarToString(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return null;
}

/** All string leaves of an event, for keyword search when no keyword fields are configured. */
export function allStrings(node: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 32) return out;
  if (typeof node === 'string') out.push(node);
  else if (typeof node === 'number' || typeof node === 'boolean') out.push(String(node));
  else if (Array.isArray(node)) for (const x of node) allStrings(x, out, depth + 1);
  else if (node && typeof node === 'object') for (const k in node) allStrings((node as Record<string, unknown>)[k], out, depth + 1);
  return out;
}
