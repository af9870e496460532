import { randomBytes } from 'node:crypto';

// Group key -> slot number for correlation state: open addressing with linear probing over two typed
// arrays (32-bit hash, slot). The key texts themselves stay where the caller keeps them (`keys[slot]`).
//
// Why not a Map: nearly every flow opens a new group, so each update is a lookup that misses, an insert,
// and later a delete, in tables of tens of thousands of keys. A Map miss compares the key with the strings
// on its hash chain (each a cache miss); here a probe compares 32-bit hashes side by side and touches a
// stored string only when the hashes are equal. Deletion shifts the following entries back (no
// tombstones), so probe runs stay short under constant churn. A million keys take 16 MB of table.
//
// The hash is seeded per table from a random value: keys come from events (attacker-chosen IPs, names),
// and a fixed hash would let crafted keys collide into one long run.

const EMPTY = 0;

export class KeyTable {
  private hashes = new Int32Array(1024);
  private slots = new Int32Array(1024);
  private mask = 1023;
  private readonly seed = randomBytes(4).readInt32LE(0) | 1;
  size = 0;

  /** `keys[slot]` is the key text of an entry (owned by the caller). */
  constructor(private readonly keys: string[]) {}

  private hash(key: string): number {
    let h = this.seed ^ key.length;
    for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x5bd1e995) ^ (h >>> 15);
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h ^= h >>> 13;
    return h === EMPTY ? 1 : h;
  }

  /** The slot of `key`, or -1. */
  get(key: string): number {
    const h = this.hash(key);
    const hashes = this.hashes;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const x = hashes[i]!;
      if (x === EMPTY) return -1;
      if (x === h && this.keys[this.slots[i]!] === key) return this.slots[i]!;
    }
  }

  /** Add `key` (not present; its text must already be in keys[slot]). */
  set(key: string, slot: number): void {
    if ((this.size + 1) * 2 > this.hashes.length) this.resize(this.hashes.length * 2);
    this.place(this.hash(key), slot);
    this.size++;
  }

  private place(h: number, slot: number): void {
    const mask = this.mask;
    let i = h & mask;
    while (this.hashes[i] !== EMPTY) i = (i + 1) & mask;
    this.hashes[i] = h;
    this.slots[i] = slot;
  }

  /** Remove `key` (present at `slot`). */
  delete(key: string, slot: number): void {
    const hashes = this.hashes;
    const slots = this.slots;
    const mask = this.mask;
    let i = this.hash(key) & mask;
    while (slots[i] !== slot) {
      if (hashes[i] === EMPTY) return; // not present
      i = (i + 1) & mask;
    }
    if (hashes[i] === EMPTY) return;
    // Backward-shift deletion: move later entries of the run into the hole when their home position
    // allows it, so every remaining key is still reachable from its home without tombstones.
    let hole = i;
    for (let j = (i + 1) & mask; hashes[j] !== EMPTY; j = (j + 1) & mask) {
      const home = hashes[j]! & mask;
      // j may move to hole unless its home lies cyclically in (hole, j].
      const inRange = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (inRange) continue;
      hashes[hole] = hashes[j]!;
      slots[hole] = slots[j]!;
      hole = j;
    }
    hashes[hole] = EMPTY;
    this.size--;
  }

  clear(): void {
    this.hashes = new Int32Array(1024);
    this.slots = new Int32Array(1024);
    this.mask = 1023;
    this.size = 0;
  }

  private resize(cap: number): void {
    const { hashes, slots } = this;
    this.hashes = new Int32Array(cap);
    this.slots = new Int32Array(cap);
    this.mask = cap - 1;
    for (let i = 0; i < hashes.length; i++) if (hashes[i] !== EMPTY) this.place(hashes[i]!, slots[i]!);
  }
}
