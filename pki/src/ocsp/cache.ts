/**
 * Pre-signed responses keyed by the CertID bytes (only nonce-free, single-CertID requests are
 * served from here: a nonce demands a fresh signature). Bounded, evicting the oldest insertion;
 * entries stop being served at `refreshAt`, well before their nextUpdate, so clients never get a
 * nearly expired response. Revocation must call `invalidateSerial` so no stale "good" survives.
 */

export interface CachedResponse {
  der: Uint8Array;
  producedAt: Date;
  nextUpdate: Date;
  /** Epoch ms after which the entry is re-signed instead of served. */
  refreshAt: number;
  serialHex: string;
}

export class ResponseCache {
  private readonly entries = new Map<string, CachedResponse>();
  private readonly bySerial = new Map<string, Set<string>>();

  /** Bumped by every invalidation, so a response built from a status read before it is not stored. */
  private epochValue = 0;

  constructor(readonly maxEntries = 100_000) {}

  get epoch(): number {
    return this.epochValue;
  }

  get size(): number {
    return this.entries.size;
  }

  static key(certIdDer: Uint8Array): string {
    return Buffer.from(certIdDer.buffer, certIdDer.byteOffset, certIdDer.byteLength).toString('latin1');
  }

  get(key: string, nowMs: number): CachedResponse | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (nowMs >= e.refreshAt) {
      this.delete(key);
      return undefined;
    }
    return e;
  }

  set(key: string, entry: CachedResponse): void {
    this.delete(key);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
    this.entries.set(key, entry);
    let keys = this.bySerial.get(entry.serialHex);
    if (!keys) this.bySerial.set(entry.serialHex, (keys = new Set()));
    keys.add(key);
  }

  /** Drops every cached response for a serial (all CertID hash variants); returns how many. */
  invalidateSerial(serialHex: string): number {
    this.epochValue++;
    const keys = this.bySerial.get(serialHex.toLowerCase());
    if (!keys) return 0;
    const n = keys.size;
    for (const k of [...keys]) this.delete(k);
    return n;
  }

  clear(): void {
    this.epochValue++;
    this.entries.clear();
    this.bySerial.clear();
  }

  private delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    const keys = this.bySerial.get(e.serialHex);
    keys?.delete(key);
    if (keys?.size === 0) this.bySerial.delete(e.serialHex);
  }
}
