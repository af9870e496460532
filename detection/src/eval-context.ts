import { compileExists, compileGetter, allStrings, scalarToString, type EcsEvent, type Getter } from './event-fields.js';

// Getters are shared by field name across all rules; the per-event context caches resolved and
// lower-cased values so 100 rules testing CommandLine lower-case it once.
const getters = new Map<string, Getter>();
const existers = new Map<string, (ev: EcsEvent) => boolean>();

export function getterFor(field: string): Getter {
  let g = getters.get(field);
  if (!g) {
    g = compileGetter(field);
    getters.set(field, g);
  }
  return g;
}

export function existsFor(field: string): (ev: EcsEvent) => boolean {
  let g = existers.get(field);
  if (!g) {
    g = compileExists(field);
    existers.set(field, g);
  }
  return g;
}

export type StatusLookup = (q: { serial?: string; sha256?: string; field: string; value: string }) => string | undefined | null;

export class EvalContext {
  private raw = new Map<string, unknown[]>();
  private str = new Map<string, string[]>();
  private low = new Map<string, string[]>();
  private kw: { s: string[]; l: string[] } | null = null;
  constructor(
    public readonly ev: EcsEvent,
    public readonly keywordFields: string[] | null,
    public readonly statusLookup: StatusLookup | null,
  ) {}

  values(field: string): unknown[] {
    let v = this.raw.get(field);
    if (!v) {
      v = getterFor(field)(this.ev);
      this.raw.set(field, v);
    }
    return v;
  }

  strings(field: string): string[] {
    let v = this.str.get(field);
    if (!v) {
      v = [];
      for (const x of this.values(field)) {
        const s = scalarToString(x);
        if (s !== null) v.push(s);
      }
      this.str.set(field, v);
    }
    return v;
  }

  lower(field: string): string[] {
    let v = this.low.get(field);
    if (!v) {
      v = this.strings(field).map((s) => s.toLowerCase());
      this.low.set(field, v);
    }
    return v;
  }

  exists(field: string): boolean {
    return existsFor(field)(this.ev);
  }

  keywords(lower: boolean): string[] {
    if (!this.kw) {
      let s: string[];
      if (this.keywordFields) {
        s = [];
        for (const f of this.keywordFields) s.push(...this.strings(f));
      } else s = allStrings(this.ev);
      this.kw = { s, l: s.map((x) => x.toLowerCase()) };
    }
    return lower ? this.kw.l : this.kw.s;
  }
}
