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

interface FieldCache {
  raw: unknown[];
  str: string[] | null;
  low: string[] | null;
}

export class EvalContext {
  // One cache entry per field: resolved values, their string forms and lower-cased forms.
  private cache = new Map<string, FieldCache>();
  private kw: { s: string[]; l: string[] } | null = null;
  constructor(
    public readonly ev: EcsEvent,
    public readonly keywordFields: string[] | null,
    public readonly statusLookup: StatusLookup | null,
  ) {}

  private entry(field: string): FieldCache {
    let c = this.cache.get(field);
    if (!c) {
      c = { raw: getterFor(field)(this.ev), str: null, low: null };
      this.cache.set(field, c);
    }
    return c;
  }

  values(field: string): unknown[] {
    return this.entry(field).raw;
  }

  strings(field: string): string[] {
    const c = this.entry(field);
    if (!c.str) {
      const raw = c.raw;
      let allStr = true;
      for (let i = 0; i < raw.length; i++) if (typeof raw[i] !== 'string') allStr = false;
      if (allStr) c.str = raw as string[];
      else {
        c.str = [];
        for (const x of raw) {
          const s = scalarToString(x);
          if (s !== null) c.str.push(s);
        }
      }
    }
    return c.str;
  }

  lower(field: string): string[] {
    const c = this.entry(field);
    if (!c.low) {
      const s = this.strings(field);
      if (s.length === 1) c.low = [s[0]!.toLowerCase()];
      else c.low = s.map((x) => x.toLowerCase());
    }
    return c.low;
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
