import { AhoCorasick } from './aho-corasick.js';
import type { Need } from './compile-detection.js';
import type { EvalContext } from './eval-context.js';

// Routes an event to the rules that can possibly match it, using one necessary condition per rule
// (see Need): exact values of a field (hash lookup), literals that must occur in a field (one
// Aho-Corasick pass per indexed field), or mere presence of a field. Rules without such a condition are
// always evaluated.

export interface Indexed {
  need: Need | null;
  mark: number;
}

export class RuleIndex<R extends Indexed> {
  private eq = new Map<string, Map<string, R[]>>();
  private sub = new Map<string, AhoCorasick<R[]>>();
  private any = new Map<string, R[]>();
  private always: R[] = [];
  private gen = 0;
  readonly size = { byValue: 0, byLiteral: 0, byField: 0, always: 0 };

  constructor(rules: R[]) {
    const subLists = new Map<string, Map<string, R[]>>();
    for (const r of rules) {
      const n = r.need;
      if (!n) {
        this.always.push(r);
        this.size.always++;
        continue;
      }
      const kinds = new Set(n.alts.map((a) => a.kind));
      if (kinds.has('present')) this.size.byField++;
      else if (kinds.has('sub')) this.size.byLiteral++;
      else this.size.byValue++;
      for (const a of n.alts) {
        if (a.kind === 'eq') {
          let m = this.eq.get(a.field);
          if (!m) this.eq.set(a.field, (m = new Map()));
          for (const v of a.values) push(m, v, r);
        } else if (a.kind === 'sub') {
          let m = subLists.get(a.field);
          if (!m) subLists.set(a.field, (m = new Map()));
          for (const v of a.values) push(m, v, r);
        } else {
          const l = this.any.get(a.field);
          if (l) l.push(r);
          else this.any.set(a.field, [r]);
        }
      }
    }
    for (const [field, m] of subLists) {
      const ac = new AhoCorasick<R[]>();
      for (const [lit, rs] of m) ac.add(lit, rs);
      ac.build();
      this.sub.set(field, ac);
    }
  }

  private byTop: Map<string, Entry<R>[]> | null = null;

  /** Index fields grouped by their top-level key: only subtrees the event actually has are looked at. */
  private topMap(): Map<string, Entry<R>[]> {
    if (!this.byTop) {
      const m = new Map<string, Entry<R>[]>();
      const add = (e: Entry<R>): void => {
        const top = e.field.split('.')[0]!;
        const l = m.get(top);
        if (l) l.push(e);
        else m.set(top, [e]);
      };
      for (const [field, eq] of this.eq) add({ field, eq });
      for (const [field, sub] of this.sub) add({ field, sub });
      for (const [field, any] of this.any) add({ field, any });
      this.byTop = m;
    }
    return this.byTop;
  }

  candidates(ctx: EvalContext): R[] {
    const gen = ++this.gen;
    const out: R[] = [];
    const take = (l: R[]): void => {
      for (let i = 0; i < l.length; i++) {
        const r = l[i]!;
        if (r.mark !== gen) {
          r.mark = gen;
          out.push(r);
        }
      }
    };
    take(this.always);
    const byTop = this.topMap();
    const ev = ctx.ev;
    let seen: Set<string> | null = null;
    for (const key in ev) {
      let top = key;
      const dot = key.indexOf('.');
      if (dot >= 0) {
        // Flattened document: several keys share a top-level name; visit each group once.
        top = key.slice(0, dot);
        seen ??= new Set();
        if (seen.has(top)) continue;
        seen.add(top);
      } else if (seen) {
        if (seen.has(top)) continue;
        seen.add(top);
      }
      const entries = byTop.get(top);
      if (!entries) continue;
      for (let j = 0; j < entries.length; j++) {
        const e = entries[j]!;
        if (e.any) {
          if (ctx.values(e.field).length) take(e.any);
          continue;
        }
        const vals = ctx.lower(e.field);
        if (e.eq) {
          for (let i = 0; i < vals.length; i++) {
            const l = e.eq.get(vals[i]!);
            if (l) take(l);
          }
        } else {
          for (let i = 0; i < vals.length; i++) e.sub!.scan(vals[i]!, take);
        }
      }
    }
    return out;
  }
}

interface Entry<R> {
  field: string;
  eq?: Map<string, R[]>;
  sub?: AhoCorasick<R[]>;
  any?: R[];
}

function push<R>(m: Map<string, R[]>, k: string, r: R): void {
  const l = m.get(k);
  if (!l) m.set(k, [r]);
  else if (l[l.length - 1] !== r) l.push(r);
}
