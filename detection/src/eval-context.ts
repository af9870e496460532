import { compileExists, compileGetter, allStrings, scalarToString, type EcsEvent, type Getter } from './event-fields.js';
import { grown } from './typed-array.js';

// Field names are interned to small integer ids at rule-compile time, so the per-event cache is a set of
// arrays indexed by id and stamped with the event's generation: nothing is allocated per event except the
// value arrays themselves, and 100 rules testing one field resolve and lower-case it once.
const ids = new Map<string, number>();
const getters: Getter[] = [];
const existers: ((ev: EcsEvent) => boolean)[] = [];

/**
 * Every registered field name as a path of its dot-separated parts. One walk of the event along this trie
 * (see EvalContext.mayHave) finds which registered fields can have a value, so a rule-index bucket testing
 * dozens of fields (e.g. upstream rules without a pipeline) skips the ones the event lacks without running
 * their getters (each a chain of megamorphic property loads).
 */
interface TrieNode {
  kids: Map<string, TrieNode>;
  fid: number;
}
const trie: TrieNode = { kids: new Map(), fid: -1 };

function addToTrie(field: string, id: number): void {
  let n = trie;
  for (const part of field.split('.')) {
    let k = n.kids.get(part);
    if (!k) n.kids.set(part, (k = { kids: new Map(), fid: -1 }));
    n = k;
  }
  n.fid = id;
}

/** The trie node of a flattened key ("a.b" stored as one property) below `n`, if registered. */
function descendDotted(n: TrieNode, key: string): TrieNode | undefined {
  let node: TrieNode | undefined = n;
  for (const part of key.split('.')) {
    node = node.kids.get(part);
    if (!node) return undefined;
  }
  return node;
}

export function fieldId(field: string): number {
  let id = ids.get(field);
  if (id === undefined) {
    id = getters.length;
    ids.set(field, id);
    getters.push(compileGetter(field));
    existers.push(compileExists(field));
    addToTrie(field, id);
  }
  return id;
}

export function getterFor(field: string): Getter {
  return getters[fieldId(field)]!;
}

export function existsFor(field: string): (ev: EcsEvent) => boolean {
  return existers[fieldId(field)]!;
}

/** Pseudo-field for the rule index: every string of the event (keyword search without keyword fields). */
export const KEYWORDS_FIELD = '\u0000keywords';
export const KEYWORDS_ID = fieldId(KEYWORDS_FIELD);

export type StatusLookup = (q: { serial?: string; sha256?: string; field: string; value: string }) => string | undefined | null;

const EMPTY: string[] = [];

export class EvalContext {
  public ev: EcsEvent;
  private gen = 1;
  // stamp[id] === gen means the slot holds this event's value; 0 = never filled.
  private rawStamp: Int32Array = new Int32Array(64);
  private strStamp: Int32Array = new Int32Array(64);
  private lowStamp: Int32Array = new Int32Array(64);
  // Dense arrays (filled up front) so V8 keeps them in fast element mode.
  private raw: unknown[][] = new Array<unknown[]>(64).fill(EMPTY);
  private str: string[][] = new Array<string[]>(64).fill(EMPTY);
  private low: string[][] = new Array<string[]>(64).fill(EMPTY);
  // Presence walk (mayHave): presStamp[id] === walkGen === gen means the field may have a value.
  private walkGen = 0;
  private walked = 0;
  private presStamp: Int32Array = new Int32Array(64);
  private kwGen = 0;
  private kw: { s: string[]; l: string[] } = { s: EMPTY, l: EMPTY };
  constructor(
    ev: EcsEvent,
    public readonly keywordFields: string[] | null,
    public readonly statusLookup: StatusLookup | null,
  ) {
    this.ev = ev;
  }

  /** Reuse this context for the next event (invalidates every cached value). */
  reset(ev: EcsEvent): void {
    this.ev = ev;
    if (++this.gen === 0x7fffffff) {
      this.gen = 1;
      this.walkGen = 0;
      this.presStamp.fill(0);
      this.rawStamp.fill(0);
      this.strStamp.fill(0);
      this.lowStamp.fill(0);
    }
  }

  private grow(id: number): void {
    let n = this.rawStamp.length;
    while (n <= id) n *= 2;
    this.rawStamp = grown(this.rawStamp, n);
    this.strStamp = grown(this.strStamp, n);
    this.lowStamp = grown(this.lowStamp, n);
    this.presStamp = grown(this.presStamp, n);
    while (this.raw.length < n) {
      this.raw.push(EMPTY);
      this.str.push(EMPTY);
      this.low.push(EMPTY);
    }
  }

  /**
   * False only when the field certainly has no value in this event (a superset test: true may still
   * turn out empty). One walk of the event's enumerable properties along the registered names per event.
   */
  mayHave(id: number): boolean {
    if (this.walkGen !== this.gen) {
      this.walkGen = this.gen;
      this.walked = getters.length;
      if (this.walked > this.presStamp.length) this.grow(this.walked - 1);
      this.walkObject(this.ev, trie);
    }
    // A field registered after this event's walk was not looked for: assume it may be there.
    return id >= this.walked || this.presStamp[id] === this.gen;
  }

  private walkObject(obj: Record<string, unknown>, node: TrieNode): void {
    for (const k in obj) {
      // A flattened key ("a.b" as one property) is followed part by part, as the getter's fallback does.
      const child = node.kids.get(k) ?? (k.indexOf('.') >= 0 ? descendDotted(node, k) : undefined);
      if (child === undefined) continue;
      const v = obj[k];
      if (v !== undefined && v !== null) this.visit(v, child);
    }
  }

  private visit(v: unknown, node: TrieNode): void {
    if (node.fid >= 0) this.presStamp[node.fid] = this.gen;
    if (node.kids.size === 0 || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      // Arrays on the way fan out, as in the getter.
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (x !== undefined && x !== null) this.visit(x, node);
      }
    } else this.walkObject(v as Record<string, unknown>, node);
  }

  valuesOf(id: number): unknown[] {
    if (id >= this.rawStamp.length) this.grow(id);
    if (this.rawStamp[id] === this.gen) return this.raw[id]!;
    const v = getters[id]!(this.ev);
    this.raw[id] = v;
    this.rawStamp[id] = this.gen;
    return v;
  }

  stringsOf(id: number): string[] {
    if (id < this.strStamp.length && this.strStamp[id] === this.gen) return this.str[id]!;
    const raw = this.valuesOf(id);
    let out: string[];
    let allStr = true;
    for (let i = 0; i < raw.length; i++) if (typeof raw[i] !== 'string') allStr = false;
    if (allStr) out = raw as string[];
    else {
      out = [];
      for (let i = 0; i < raw.length; i++) {
        const s = scalarToString(raw[i]);
        if (s !== null) out.push(s);
      }
    }
    this.str[id] = out;
    this.strStamp[id] = this.gen;
    return out;
  }

  lowerOf(id: number): string[] {
    if (id < this.lowStamp.length && this.lowStamp[id] === this.gen) return this.low[id]!;
    const s = this.stringsOf(id);
    let out: string[];
    if (s.length === 0) out = EMPTY;
    else if (s.length === 1) {
      // Already lower-case values (most of them) share the strings array instead of a new one.
      const l = s[0]!.toLowerCase();
      out = l === s[0] ? s : [l];
    } else out = s.map((x) => x.toLowerCase());
    this.low[id] = out;
    this.lowStamp[id] = this.gen;
    return out;
  }

  existsOf(id: number): boolean {
    return existers[id]!(this.ev);
  }

  values(field: string): unknown[] {
    return this.valuesOf(fieldId(field));
  }

  strings(field: string): string[] {
    return this.stringsOf(fieldId(field));
  }

  lower(field: string): string[] {
    return this.lowerOf(fieldId(field));
  }

  exists(field: string): boolean {
    return this.existsOf(fieldId(field));
  }

  keywords(lower: boolean): string[] {
    if (this.kwGen !== this.gen) {
      let s: string[];
      if (this.keywordFields) {
        s = [];
        for (const f of this.keywordFields) s.push(...this.strings(f));
      } else s = allStrings(this.ev);
      this.kw = { s, l: s.map((x) => x.toLowerCase()) };
      this.kwGen = this.gen;
    }
    return lower ? this.kw.l : this.kw.s;
  }
}
