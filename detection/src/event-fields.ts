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
  const joined = joinTable(parts);
  const slow = (node: unknown, i: number): unknown[] => {
    const out: unknown[] = [];
    walk(node, parts, joined, i, out);
    return out.length === 0 ? MISSING : out;
  };
  // The common case (nested plain objects) is generated as straight-line code with constant property
  // names, so every field gets its own inline caches instead of one megamorphic keyed load shared by all
  // fields. Arrays on the way and flattened keys ("a.b" stored as one key) hand over to the general walk.
  const lit = (x: string): string => JSON.stringify(x);
  let body = 'let n = ev, v;\n';
  parts.forEach((key, i) => {
    const own = key in Object.prototype ? ` && hasOwn.call(n, ${lit(key)})` : '';
    const flat = joined[i]!.slice(1).map((k) => `n[${lit(k)}] !== undefined`);
    body +=
      (i > 0 ? `if (n === null || typeof n !== 'object') return MISSING;\nif (Array.isArray(n)) return slow(n, ${i});\n` : '') +
      `v = n[${lit(key)}];\n` +
      `if (v === undefined${own ? ` || !(true${own})` : ''}) return ${flat.length ? `(${flat.join(' || ')}) ? slow(n, ${i}) : ` : ''}MISSING;\n` +
      'n = v;\n';
  });
  body += 'if (n === null) return MISSING;\nreturn Array.isArray(n) ? flatten(n) : [n];';
  const make = new Function('slow', 'MISSING', 'flatten', 'hasOwn', `return function get(ev) {\n${body}\n};`);
  return make(slow, MISSING, flattenArray, Object.prototype.hasOwnProperty) as Getter;
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
  const joined = joinTable(parts);
  const hasOwn = Object.prototype.hasOwnProperty;
  return (ev) => {
    if (hasOwn.call(ev, field)) return true;
    let node: unknown = ev;
    for (let i = 0; i < parts.length; i++) {
      if (node === null || typeof node !== 'object' || Array.isArray(node)) return false;
      const obj = node as Record<string, unknown>;
      // Longest key first: joined[i][k] = parts[i..i+k].
      const row = joined[i]!;
      let found = false;
      for (let k = row.length - 1; k >= 0; k--) {
        if (hasOwn.call(obj, row[k]!)) {
          node = obj[row[k]!];
          i += k;
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
