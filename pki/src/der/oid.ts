/** OBJECT IDENTIFIER encoding/decoding. Encodings are cached: a CA writes the same few dozen OIDs. */

export class OidError extends Error {
  override name = 'OidError';
}

const cache = new Map<string, Uint8Array>();
const CACHE_LIMIT = 4096;

function pushBase128(out: number[], v: bigint): void {
  const tmp: number[] = [Number(v & 0x7fn)];
  v >>= 7n;
  while (v > 0n) {
    tmp.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  for (let i = tmp.length - 1; i >= 0; i--) out.push(tmp[i]!);
}

/** Complete DER TLV (tag 0x06) for a dotted OID. The returned array is shared: do not mutate. */
export function encodeOid(dotted: string): Uint8Array {
  const hit = cache.get(dotted);
  if (hit) return hit;
  if (!/^[0-2](\.(0|[1-9][0-9]*))+$/.test(dotted)) throw new OidError(`malformed OID "${dotted}"`);
  const arcs = dotted.split('.').map((a) => BigInt(a));
  const first = arcs[0]!;
  const second = arcs[1]!;
  if (first < 2n && second > 39n) throw new OidError(`malformed OID "${dotted}": second arc > 39`);
  const body: number[] = [];
  pushBase128(body, first * 40n + second);
  for (let i = 2; i < arcs.length; i++) pushBase128(body, arcs[i]!);
  if (body.length > 127) throw new OidError('OID too long');
  const der = Uint8Array.from([0x06, body.length, ...body]);
  if (cache.size < CACHE_LIMIT) cache.set(dotted, der);
  return der;
}

const decodeCache = new Map<string, string>();

/** Decodes OID content octets (without tag/length) to dotted form; rejects non-minimal arcs. */
export function decodeOidContent(content: Uint8Array): string {
  const key = String.fromCharCode.apply(null, content as unknown as number[]);
  const hit = decodeCache.get(key);
  if (hit !== undefined) return hit;
  const dotted = decodeOidUncached(content);
  if (decodeCache.size < CACHE_LIMIT) decodeCache.set(key, dotted);
  return dotted;
}

function decodeOidUncached(content: Uint8Array): string {
  if (content.length === 0) throw new OidError('empty OID');
  const arcs: bigint[] = [];
  let v = 0n;
  let startOfArc = true;
  for (let i = 0; i < content.length; i++) {
    const b = content[i]!;
    if (startOfArc && b === 0x80) throw new OidError('non-minimal OID arc encoding');
    startOfArc = false;
    v = (v << 7n) | BigInt(b & 0x7f);
    if (!(b & 0x80)) {
      arcs.push(v);
      v = 0n;
      startOfArc = true;
    }
  }
  if (!startOfArc) throw new OidError('truncated OID');
  const first = arcs[0]!;
  const head = first < 40n ? [0n, first] : first < 80n ? [1n, first - 40n] : [2n, first - 80n];
  return [...head, ...arcs.slice(1)].join('.');
}
