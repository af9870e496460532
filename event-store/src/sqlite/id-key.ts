/**
 * The integer key under which a document id is unique in SQLite. A `UNIQUE` index over the id text itself
 * (64-character SHA-256 hex from the collector, arriving in random order) cost about twice the CPU per row of
 * one over a 52-bit integer: its entries are ~80 bytes instead of ~10, so every insert touches more and
 * fuller pages. Two ids can share a key: the second is then stored with a NULL key and found through a partial
 * index over those rows only (see sqlite/store `writeRows`), so uniqueness by id stays exact.
 *
 * Stored on disk: the function must never change for an existing file.
 */
export function idKey(id: string): number {
  // Two independent 32-bit multiplicative hashes over the UTF-16 code units, mixed at the end (murmur-style
  // finaliser); 32 + 20 bits make a safe integer.
  let a = 0x811c9dc5 ^ id.length;
  let b = 0x9747b28c;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  a ^= a >>> 16; a = Math.imul(a, 0x85ebca6b); a ^= a >>> 13; a = Math.imul(a, 0xc2b2ae35); a ^= a >>> 16;
  b = Math.imul(b ^ a, 0x27d4eb2f); b ^= b >>> 15; b = Math.imul(b, 0x165667b1); b ^= b >>> 16;
  return (a >>> 0) * 0x100000 + (b >>> 12);
}
