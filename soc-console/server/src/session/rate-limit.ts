/**
 * Sign-in throttling per key (account name, source address). After `freeFailures` failures within the
 * window the key is locked, and each further failure doubles the lock (capped): guessing gets
 * exponentially slower while a legitimate user who mistyped a few times is not stopped.
 */
export interface RateLimitOptions {
  freeFailures: number;
  windowMs: number;
  baseLockMs: number;
  maxLockMs: number;
}

interface Entry {
  failures: number;
  firstMs: number;
  lockedUntil: number;
}

export class LoginRateLimiter {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly o: RateLimitOptions,
    private readonly now: () => number,
    private readonly maxKeys = 100_000,
  ) {}

  /** Milliseconds until the key may try again (0 = allowed). */
  retryAfterMs(key: string): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    return Math.max(0, e.lockedUntil - this.now());
  }

  fail(key: string): void {
    const t = this.now();
    let e = this.entries.get(key);
    if (!e || (t - e.firstMs > this.o.windowMs && e.lockedUntil <= t)) {
      e = { failures: 0, firstMs: t, lockedUntil: 0 };
    }
    e.failures++;
    if (e.failures >= this.o.freeFailures) {
      const lock = Math.min(this.o.maxLockMs, this.o.baseLockMs * 2 ** (e.failures - this.o.freeFailures));
      e.lockedUntil = t + lock;
    }
    this.entries.delete(key);
    this.entries.set(key, e);
    // Bounded memory under a spray of names: the oldest entries go first.
    if (this.entries.size > this.maxKeys) this.entries.delete(this.entries.keys().next().value!);
  }

  succeed(key: string): void {
    this.entries.delete(key);
  }
}
