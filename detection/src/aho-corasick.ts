// Multi-literal substring search (Aho-Corasick): one pass over a string reports every registered literal
// it contains. The rule index uses it to find rules whose required literals occur in an event field.

export class AhoCorasick<T> {
  private next: Map<number, number>[] = [new Map()];
  private fail: number[] = [0];
  private out: T[][] = [[]];
  private built = false;
  /**
   * Dense transition table for ASCII input over character classes: delta[state * width + cls[char]]
   * (failure links pre-resolved). Only characters that occur in some literal get a class of their own;
   * every other ASCII character is class 0 and leads back to the root. Thousands of states times 128
   * 32-bit entries (megabytes, a cache miss per character) shrink to a few bytes per state and class.
   */
  private delta: Uint16Array | Int32Array = new Uint16Array(0);
  private cls: Uint8Array = new Uint8Array(128);
  private width = 1;
  /** 1 where out[state] is non-empty: the scan tests a byte instead of loading an array. */
  private hasOut: Uint8Array = new Uint8Array(0);

  add(literal: string, value: T): void {
    let s = 0;
    for (let i = 0; i < literal.length; i++) {
      const c = literal.charCodeAt(i);
      let n = this.next[s]!.get(c);
      if (n === undefined) {
        n = this.next.length;
        this.next.push(new Map());
        this.fail.push(0);
        this.out.push([]);
        this.next[s]!.set(c, n);
      }
      s = n;
    }
    this.out[s]!.push(value);
    this.built = false;
  }

  build(): void {
    const queue: number[] = [];
    for (const n of this.next[0]!.values()) {
      this.fail[n] = 0;
      queue.push(n);
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi]!;
      for (const [c, n] of this.next[s]!) {
        let f = this.fail[s]!;
        while (f !== 0 && !this.next[f]!.has(c)) f = this.fail[f]!;
        const g = this.next[f]!.get(c);
        this.fail[n] = g !== undefined && g !== n ? g : 0;
        // Outputs of the longest proper suffix are inherited so the scan needs no extra walk.
        const inherited = this.out[this.fail[n]!]!;
        if (inherited.length) this.out[n] = [...this.out[n]!, ...inherited];
        queue.push(n);
      }
    }
    const n = this.next.length;
    const cls = new Uint8Array(128);
    const reps: number[] = [-1]; // representative character of each class (class 0: none)
    for (const m of this.next) {
      for (const c of m.keys()) {
        if (c < 128 && cls[c] === 0) {
          cls[c] = reps.length;
          reps.push(c);
        }
      }
    }
    const width = reps.length;
    const delta = n < 65536 ? new Uint16Array(n * width) : new Int32Array(n * width);
    const order = [0, ...queue];
    for (const st of order) {
      // Class 0 stays 0: a character in no literal matches nothing from any state.
      for (let k = 1; k < width; k++) {
        const g = this.next[st]!.get(reps[k]!);
        delta[st * width + k] = g !== undefined ? g : st === 0 ? 0 : delta[this.fail[st]! * width + k]!;
      }
    }
    this.delta = delta;
    this.cls = cls;
    this.width = width;
    this.hasOut = Uint8Array.from(this.out, (o) => (o.length ? 1 : 0));
    this.built = true;
  }

  private step(s: number, c: number): number {
    if (c < 128) return this.delta[s * this.width + this.cls[c]!]!;
    let n = this.next[s]!.get(c);
    while (n === undefined && s !== 0) {
      s = this.fail[s]!;
      n = this.next[s]!.get(c);
    }
    return n ?? 0;
  }

  /** True when any registered literal occurs in `text`. */
  has(text: string): boolean {
    if (!this.built) this.build();
    let s = 0;
    const delta = this.delta;
    const cls = this.cls;
    const width = this.width;
    const hasOut = this.hasOut;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      s = c < 128 ? delta[s * width + cls[c]!]! : this.step(s, c);
      if (hasOut[s]) return true;
    }
    return false;
  }

  /** Calls `hit` for every literal occurrence (a literal may be reported more than once). */
  scan(text: string, hit: (v: T) => void): void {
    if (!this.built) this.build();
    let s = 0;
    const delta = this.delta;
    const cls = this.cls;
    const width = this.width;
    const out = this.out;
    const hasOut = this.hasOut;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      s = c < 128 ? delta[s * width + cls[c]!]! : this.step(s, c);
      if (!hasOut[s]) continue;
      const o = out[s]!;
      for (let k = 0; k < o.length; k++) hit(o[k]!);
    }
  }
}
