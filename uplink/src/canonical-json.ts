/**
 * Canonical JSON (RFC 8785, JSON Canonicalization Scheme): object members sorted by UTF-16 code units,
 * no whitespace, ECMAScript number and string serialisation. Signatures are computed over these bytes,
 * so a receiver re-serialising the parsed payload gets exactly what the sender signed.
 */
export class CanonicalJsonError extends Error {
  override name = 'CanonicalJsonError';
}

const MAX_DEPTH = 64;

function assertWellFormed(s: string): void {
  // RFC 8785 §3.2.2.2: lone surrogates cannot be represented; refuse rather than guess.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const n = s.charCodeAt(i + 1);
      if (!(n >= 0xdc00 && n <= 0xdfff)) throw new CanonicalJsonError('string holds a lone surrogate');
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) throw new CanonicalJsonError('string holds a lone surrogate');
  }
}

function write(v: unknown, out: string[], depth: number): void {
  if (depth > MAX_DEPTH) throw new CanonicalJsonError(`nested deeper than ${MAX_DEPTH} levels`);
  if (v === null) return void out.push('null');
  switch (typeof v) {
    case 'boolean':
      return void out.push(v ? 'true' : 'false');
    case 'number':
      if (!Number.isFinite(v)) throw new CanonicalJsonError('non-finite number');
      // ECMAScript Number→String is the RFC 8785 number form; -0 serialises as 0.
      return void out.push(Object.is(v, -0) ? '0' : String(v));
    case 'string':
      assertWellFormed(v);
      return void out.push(JSON.stringify(v));
    case 'object': {
      if (Array.isArray(v)) {
        out.push('[');
        for (let i = 0; i < v.length; i++) {
          if (i) out.push(',');
          if (v[i] === undefined) throw new CanonicalJsonError('undefined array element');
          write(v[i], out, depth + 1);
        }
        return void out.push(']');
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) throw new CanonicalJsonError('only plain objects can be canonicalised');
      const keys = Object.keys(v as object).filter((k) => (v as Record<string, unknown>)[k] !== undefined);
      keys.sort(); // default sort compares UTF-16 code units, as RFC 8785 §3.2.3 requires
      out.push('{');
      keys.forEach((k, i) => {
        if (i) out.push(',');
        assertWellFormed(k);
        out.push(JSON.stringify(k), ':');
        write((v as Record<string, unknown>)[k], out, depth + 1);
      });
      return void out.push('}');
    }
    default:
      throw new CanonicalJsonError(`cannot canonicalise a ${typeof v}`);
  }
}

export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  write(value, out, 0);
  return out.join('');
}

export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}
