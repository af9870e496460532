import type { EvalContext } from './eval-context.js';
import type { Need } from './compile-detection.js';

// Routes an event to the rules that can possibly match it, using a necessary condition of each rule:
// an exact value of one field (typically the logsource condition such as event.dataset, or e.g. event.action)
// or the presence of one of a few fields. Rules without such a condition are always evaluated.

export interface Indexed {
  need: Need | null;
  mark: number;
}

export class RuleIndex<R extends Indexed> {
  private eq = new Map<string, Map<string, R[]>>();
  private any = new Map<string, R[]>();
  private always: R[] = [];
  private gen = 0;
  readonly size: { byValue: number; byField: number; always: number } = { byValue: 0, byField: 0, always: 0 };

  constructor(rules: R[]) {
    for (const r of rules) {
      const n = r.need;
      if (n?.eq) {
        let m = this.eq.get(n.eq.field);
        if (!m) this.eq.set(n.eq.field, (m = new Map()));
        for (const v of n.eq.values) {
          const l = m.get(v);
          if (l) l.push(r);
          else m.set(v, [r]);
        }
        this.size.byValue++;
      } else if (n?.any) {
        for (const f of n.any) {
          const l = this.any.get(f);
          if (l) l.push(r);
          else this.any.set(f, [r]);
        }
        this.size.byField++;
      } else {
        this.always.push(r);
        this.size.always++;
      }
    }
  }

  candidates(ctx: EvalContext): R[] {
    const gen = ++this.gen;
    const out: R[] = [];
    for (const r of this.always) {
      r.mark = gen;
      out.push(r);
    }
    for (const [field, m] of this.eq) {
      const vals = ctx.lower(field);
      for (const v of vals) {
        const l = m.get(v);
        if (!l) continue;
        for (const r of l) {
          if (r.mark !== gen) {
            r.mark = gen;
            out.push(r);
          }
        }
      }
    }
    for (const [field, l] of this.any) {
      if (ctx.values(field).length === 0) continue;
      for (const r of l) {
        if (r.mark !== gen) {
          r.mark = gen;
          out.push(r);
        }
      }
    }
    return out;
  }
}
