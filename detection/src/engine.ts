import type { Alert } from './alert.js';
import { parseAttackTags, type AttackInfo } from './attack-tags.js';
import { compileDetection, type CompiledDetection, type Need } from './compile-detection.js';
import { CorrelationEngine, type CorrelationFire, type CorrelationLimits } from './correlation.js';
import { RuleError } from './errors.js';
import { EvalContext, fieldId, type StatusLookup } from './eval-context.js';
import { scalarToString, type EcsEvent } from './event-fields.js';
import type { Placeholders } from './modifiers.js';
import { viewFor, type Pipeline } from './pipeline.js';
import { contentHash, type CorrelationRule, type DetectionRule, type Rule } from './rule-parser.js';
import { RuleIndex } from './rule-index.js';
import { isCanonicalIso, parseTime } from './time-parts.js';
import type { RuleLoadError } from './loader.js';

export interface EngineLimits extends CorrelationLimits {
  /** Max remembered suppression/deduplication keys (oldest dropped first, counted). */
  maxSuppressionKeys: number;
}

export const DEFAULT_LIMITS: EngineLimits = {
  maxGroups: 1_000_000,
  maxEntriesPerGroup: 10_000,
  maxEventIds: 20,
  maxSuppressionKeys: 100_000,
};

export interface EngineOptions {
  rules: Rule[];
  pipelines?: Pipeline[];
  placeholders?: Placeholders;
  limits?: Partial<EngineLimits>;
  /** Certificate status hook used by the `certstatus` modifier (must be synchronous, e.g. cache-backed). */
  statusLookup?: StatusLookup;
  /** 'backtest' marks every alert with `backtest: true`; events must then be fed in time order. */
  mode?: 'live' | 'backtest';
  /** Fields naming the entity of a single-event alert, first present wins. */
  entityFields?: string[];
  /** Clock for events without a usable @timestamp. */
  now?: () => number;
}

export interface EngineStats {
  events: number;
  badEvents: number;
  eventsWithoutTimestamp: number;
  ruleEvaluations: number;
  matches: number;
  alerts: number;
  suppressed: number;
  deduplicated: number;
  suppressionKeysDropped: number;
  reloads: number;
  rules: {
    detection: number;
    correlation: number;
    refused: number;
    indexedByValue: number;
    indexedByLiteral: number;
    indexedByField: number;
    /** Evaluated for every event of their logsource (no necessary condition of their own). */
    indexedByLogsource: number;
    unindexed: number;
    logsourceGroups: number;
  };
  correlation: { groups: number; evictedGroups: number; expiredGroups: number; droppedEntries: number; fired: number };
  hitsByRule: Record<string, number>;
}

export interface ReloadResult {
  added: string[];
  removed: string[];
  changed: string[];
  kept: string[];
  refused: RuleLoadError[];
}

export interface Engine {
  process(event: EcsEvent): Alert[];
  /** Decide open correlation windows (end of a backtest); returns the resulting alerts. */
  flush(): Alert[];
  stats(): EngineStats;
  reload(rules: Rule[]): ReloadResult;
  /** Rules refused when compiling (unsupported feature, unknown placeholder, bad reference…). */
  readonly refused: RuleLoadError[];
}

/** Rule-file order for the (few) candidates a[0 .. n) of an event: insertion sort, no comparator calls. */
function sortByOrder(a: { order: number }[], n: number): void {
  for (let i = 1; i < n; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]!.order > x.order) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
  }
}
const TS_FIELD = fieldId('@timestamp');
const ID_FIELD = fieldId('event.id');

const DEFAULT_ENTITY_FIELDS = ['user.name', 'source.ip', 'host.name', 'ra.request.requester', 'destination.ip', 'client.ip'];

interface Parent {
  corr: CompiledCorrelation;
  refIdx: number;
}

interface CompiledBase {
  id: string;
  version: string;
  emits: boolean;
  parents: Parent[];
  attack: AttackInfo;
  hits: number;
  /** Alert-id hash state after `${id}\0${version}\0` (computed on first alert). */
  idSeed: Int32Array | null;
}

interface CompiledRule extends CompiledBase {
  rule: DetectionRule;
  det: CompiledDetection;
  need: Need | null;
  ls: CompiledDetection['ls'];
  mark: number;
  order: number;
}

interface CompiledCorrelation extends CompiledBase {
  rule: CorrelationRule;
  state: CorrelationEngine;
}

interface RuleSet {
  detections: CompiledRule[];
  correlations: CompiledCorrelation[];
  byId: Map<string, CompiledRule | CompiledCorrelation>;
  index: RuleIndex<CompiledRule>;
  refused: RuleLoadError[];
}

function refusal(rule: Rule, reason: string): RuleLoadError {
  return { source: rule.source, ruleId: rule.id, title: rule.title, reason };
}

function buildRuleSet(rules: Rule[], opts: Required<Pick<EngineOptions, 'pipelines' | 'placeholders'>>, limits: EngineLimits): RuleSet {
  const refused: RuleLoadError[] = [];
  const seen = new Set<string>();
  const unique: Rule[] = [];
  for (const r of rules) {
    if (seen.has(r.id)) {
      refused.push(refusal(r, `duplicate rule id '${r.id}'`));
      continue;
    }
    seen.add(r.id);
    unique.push(r);
  }
  const pipeFp = contentHash(opts.pipelines) + contentHash(opts.placeholders);
  const byId = new Map<string, CompiledRule | CompiledCorrelation>();
  const detections: CompiledRule[] = [];
  for (const r of unique) {
    if (r.kind !== 'detection') continue;
    try {
      const det = compileDetection(r, viewFor(opts.pipelines, r.logsource), { placeholders: opts.placeholders, timezone: r.ext.timezone });
      const c: CompiledRule = {
        id: r.id,
        version: contentHash(r.hash + pipeFp).slice(0, 16),
        rule: r,
        det,
        need: det.need,
        ls: det.ls,
        mark: 0,
        order: detections.length,
        emits: true,
        parents: [],
        attack: parseAttackTags(r.tags),
        hits: 0,
        idSeed: null,
      };
      detections.push(c);
      byId.set(r.id, c);
    } catch (e) {
      if (!(e instanceof RuleError)) throw e;
      refused.push(refusal(r, e.reason));
    }
  }
  // Correlations reference rules by id or name; resolve in dependency order so chains work.
  const names = new Map<string, string>();
  for (const r of unique) if (r.name) names.set(r.name, r.id);
  const pending = unique.filter((r): r is CorrelationRule => r.kind === 'correlation');
  const refusedIds = new Set(refused.map((x) => x.ruleId));
  const correlations: CompiledCorrelation[] = [];
  let progress = true;
  while (pending.length && progress) {
    progress = false;
    for (let i = 0; i < pending.length; i++) {
      const r = pending[i]!;
      const refIds = r.rules.map((x) => (byId.has(x) || !names.has(x) ? x : names.get(x)!));
      const missing = refIds.find((x) => !seen.has(x) && !names.has(x));
      const bad = refIds.find((x) => refusedIds.has(x));
      let reason: string | null = null;
      if (missing) reason = `correlation references unknown rule '${missing}'`;
      else if (bad) reason = `correlation references refused rule '${bad}'`;
      else if (refIds.some((x) => x === r.id)) reason = 'correlation references itself';
      else if (!refIds.every((x) => byId.has(x))) continue; // wait for referenced correlations
      pending.splice(i--, 1);
      progress = true;
      if (reason) {
        refused.push(refusal(r, reason));
        refusedIds.add(r.id);
        continue;
      }
      const refs = refIds.map((x) => byId.get(x)!);
      const version = contentHash(r.hash + refs.map((x) => x.version).join(',')).slice(0, 16);
      const c: CompiledCorrelation = {
        id: r.id,
        version,
        rule: r,
        state: new CorrelationEngine(r, refs.map((x) => ({ id: x.id, name: x.rule.name })), limits),
        emits: true,
        parents: [],
        attack: parseAttackTags(r.tags),
        hits: 0,
        idSeed: null,
      };
      refs.forEach((ref, refIdx) => ref.parents.push({ corr: c, refIdx }));
      correlations.push(c);
      byId.set(r.id, c);
    }
  }
  for (const r of pending) refused.push(refusal(r, 'correlation is part of a reference cycle'));
  // Referenced rules only alert on their own when a referencing correlation says `generate: true`.
  for (const c of byId.values()) {
    if (c.parents.length) c.emits = c.parents.some((p) => p.corr.rule.generate);
  }
  return { detections, correlations, byId, index: new RuleIndex(detections), refused };
}

const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
/** 8 lower-case hex digits of a 32-bit value (same text as toString(16).padStart(8, '0')). */
const hex = (n: number): string =>
  HEX_BYTE[(n >>> 24) & 255]! + HEX_BYTE[(n >>> 16) & 255]! + HEX_BYTE[(n >>> 8) & 255]! + HEX_BYTE[n & 255]!;

/**
 * 128-bit FNV-1a style id (four 32-bit lanes): deterministic and cheap; ids are not a security boundary.
 * Fed part by part (`add`) so the alert id needs no concatenated text; the result equals hashing the
 * concatenation.
 */
class FastId {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;
  save(): Int32Array {
    return Int32Array.of(this.a, this.b, this.c, this.d);
  }
  restore(seed: Int32Array): this {
    this.a = seed[0]!;
    this.b = seed[1]!;
    this.c = seed[2]!;
    this.d = seed[3]!;
    return this;
  }
  start(): this {
    this.a = 0x811c9dc5;
    this.b = 0x01000193 ^ 0x9e3779b9;
    this.c = 0x85ebca6b;
    this.d = 0xc2b2ae35;
    return this;
  }
  add(text: string): this {
    let a = this.a, b = this.b, c = this.c, d = this.d;
    for (let i = 0; i < text.length; i++) {
      const x = text.charCodeAt(i);
      a = Math.imul(a ^ x, 0x01000193);
      b = Math.imul(b ^ x, 0x5bd1e995);
      c = Math.imul(c ^ x, 0x27d4eb2d);
      d = Math.imul(d ^ x, 0x165667b1);
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    return this;
  }
  digest(): string {
    const { a, b, c, d } = this;
    return hex(a) + hex(b ^ (a >>> 13)) + hex(c ^ (b >>> 7)) + hex(d ^ (c >>> 11));
  }
}
const idHash = new FastId();

// Several alerts of one event share its timestamp: remember the last formatted one. An event whose
// @timestamp text is already in toISOString() form lends it (eventTs*) instead of a new formatting.
let isoMs = NaN;
let isoText = '';
let eventTsMs = NaN;
let eventTsRaw: unknown = null;
function iso(ms: number): string {
  if (ms === isoMs) return isoText;
  if (ms === eventTsMs && isCanonicalIso(eventTsRaw)) isoText = eventTsRaw;
  else {
    const d = new Date(ms);
    isoText = Number.isNaN(d.getTime()) ? new Date(0).toISOString() : d.toISOString();
  }
  isoMs = ms;
  return isoText;
}

export function createEngine(options: EngineOptions): Engine {
  const limits: EngineLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const base = { pipelines: options.pipelines ?? [], placeholders: options.placeholders ?? {} };
  const keywordFields = base.pipelines.find((p) => p.keywordFields)?.keywordFields ?? null;
  const entityFields = options.entityFields ?? DEFAULT_ENTITY_FIELDS;
  const entityIds = entityFields.map(fieldId);
  const now = options.now ?? Date.now;
  const backtest = options.mode === 'backtest';
  const statusLookup = options.statusLookup ?? null;
  let set = buildRuleSet(options.rules, base, limits);
  const refused: RuleLoadError[] = [...set.refused];
  // Suppression / dedup memory: key -> time of the last alert (Map order = oldest first).
  let suppress = new Map<string, number>();
  let dedup = new Map<string, number>();
  const st = {
    events: 0, badEvents: 0, eventsWithoutTimestamp: 0, ruleEvaluations: 0, matches: 0, alerts: 0,
    suppressed: 0, deduplicated: 0, suppressionKeysDropped: 0, reloads: 0,
  };
  let watermark = -Infinity;
  // One evaluation context reused for every event (process() is not re-entrant).
  const ctx = new EvalContext({}, keywordFields, statusLookup);
  const eventKey = (k: string): string => ctx.strings(k)[0] ?? '';

  const remember = (m: Map<string, number>, key: string, ts: number): void => {
    m.delete(key);
    m.set(key, ts);
    if (m.size > limits.maxSuppressionKeys) {
      m.delete(m.keys().next().value!);
      st.suppressionKeysDropped++;
    }
  };

  /** Apply dedup and suppression; true when the alert should be emitted. */
  const admit = (rule: Rule, version: string, alert: Alert, ts: number, keyFields: (f: string) => string): boolean => {
    const dw = rule.ext.dedupWindowMs;
    if (dw !== null && alert.eventIds.length) {
      const k = `${rule.id}@${version}|${alert.eventIds.join(',')}`;
      const last = dedup.get(k);
      if (last !== undefined && ts - last < dw && ts >= last) {
        st.deduplicated++;
        return false;
      }
      remember(dedup, k, ts);
    }
    const s = rule.ext.suppression;
    if (s) {
      const k = `${rule.id}|${s.by.length ? s.by.map(keyFields).join('\u0001') : alert.entity}`;
      const last = suppress.get(k);
      if (last !== undefined && ts - last < s.windowMs && ts >= last) {
        st.suppressed++;
        return false;
      }
      remember(suppress, k, ts);
    }
    return true;
  };

  // Hash of `${ruleId}\0${version}\0${key}\0${ts}\0${ids.join(',')}`, fed in parts.
  const alertId = (c: CompiledBase, key: string, ts: number, ids: string[]): string => {
    // The rule's part of the text is hashed once per rule version.
    const h = c.idSeed ? idHash.restore(c.idSeed) : idHash.start().add(c.id).add('\u0000').add(c.version).add('\u0000');
    c.idSeed ??= h.save();
    h.add(key).add('\u0000').add(String(ts)).add('\u0000');
    for (let i = 0; i < ids.length; i++) {
      if (i) h.add(',');
      h.add(ids[i]!);
    }
    return h.digest();
  };

  const makeAlert = (
    c: CompiledBase & { rule: Rule },
    ts: number,
    firstTs: number,
    eventIds: string[],
    group: Record<string, string>,
    groupKey: string | null,
    entity: string,
    reason: Alert['reason'],
  ): Alert => {
    const r = c.rule;
    const tsIso = iso(ts);
    const a: Alert = {
      id: alertId(c, groupKey ?? entity, ts, eventIds),
      rule: r.kind === 'correlation'
        ? { id: r.id, version: c.version, title: r.title, name: r.name, kind: r.kind, type: r.type }
        : { id: r.id, version: c.version, title: r.title, name: r.name, kind: r.kind },
      severity: r.level,
      tags: r.tags,
      attack: c.attack,
      timestamp: tsIso,
      firstTimestamp: firstTs === ts ? tsIso : iso(firstTs),
      eventIds,
      group,
      groupKey,
      entity,
      reason,
    };
    if (backtest) a.backtest = true;
    return a;
  };

  const onCorrelationFire = (c: CompiledCorrelation, f: CorrelationFire, out: Alert[]): void => {
    c.hits++;
    const entity = Object.entries(f.group).map(([k, v]) => `${k}=${v}`).join(',');
    if (c.emits) {
      const a = makeAlert(c, f.lastTs, f.firstTs, f.eventIds, f.group, f.groupKey, entity, { correlation: { type: c.rule.type, ...f.values } });
      if (admit(c.rule, c.version, a, f.lastTs, (k) => f.group[k] ?? '')) out.push(a);
    }
    if (c.parents.length) {
      // Chained correlation: the fired group becomes an event for the outer correlation.
      const synthetic: EcsEvent = { ...f.group, '@timestamp': iso(f.lastTs) };
      for (const p of c.parents) for (const g of p.corr.state.update(p.refIdx, synthetic, f.lastTs, f.eventIds)) onCorrelationFire(p.corr, g, out);
    }
  };

  const process = (event: EcsEvent): Alert[] => {
    st.events++;
    if (!event || typeof event !== 'object' || Array.isArray(event)) {
      st.badEvents++;
      return [];
    }
    const out: Alert[] = [];
    try {
      ctx.reset(event);
      const rawTs = ctx.valuesOf(TS_FIELD)[0];
      let ts = parseTime(rawTs);
      if (ts === null) {
        st.eventsWithoutTimestamp++;
        ts = now();
        eventTsMs = NaN;
      } else {
        eventTsMs = ts;
        eventTsRaw = rawTs;
      }
      if (ts > watermark) watermark = ts;
      const n = set.index.candidates(ctx);
      const cands = set.index.found;
      st.ruleEvaluations += n;
      if (n > 1) sortByOrder(cands, n);
      let ids: string[] | null = null;
      for (let ci = 0; ci < n; ci++) {
        const c = cands[ci]!;
        // The index already checked the rule's logsource conditions.
        if (!c.det.matchBody(ctx)) continue;
        st.matches++;
        c.hits++;
        ids ??= ctx.stringsOf(ID_FIELD);
        if (c.emits) {
          let entity = '';
          const group: Record<string, string> = {};
          for (let k = 0; k < entityIds.length; k++) {
            const v = ctx.valuesOf(entityIds[k]!)[0];
            const str = v === undefined ? null : scalarToString(v);
            if (str !== null) {
              group[entityFields[k]!] = str;
              if (!entity) entity = `${entityFields[k]!}=${str}`;
            }
          }
          const a = makeAlert(c, ts, ts, ids, group, null, entity, { selections: c.det.explain(ctx) });
          if (admit(c.rule, c.version, a, ts, eventKey)) out.push(a);
        }
        for (const p of c.parents) for (const f of p.corr.state.update(p.refIdx, event, ts, ids, ctx)) onCorrelationFire(p.corr, f, out);
      }
    } catch {
      // A pathological event must not stop the stream; it is counted instead.
      st.badEvents++;
    }
    st.alerts += out.length;
    return out;
  };

  const flush = (): Alert[] => {
    const out: Alert[] = [];
    for (const c of set.correlations) for (const f of c.state.flush()) onCorrelationFire(c, f, out);
    st.alerts += out.length;
    return out;
  };

  const stats = (): EngineStats => {
    const corr = { groups: 0, evictedGroups: 0, expiredGroups: 0, droppedEntries: 0, fired: 0 };
    const hitsByRule: Record<string, number> = {};
    for (const c of set.correlations) {
      for (const k of Object.keys(corr) as (keyof typeof corr)[]) corr[k] += c.state.stats[k];
      if (c.hits) hitsByRule[c.id] = c.hits;
    }
    for (const d of set.detections) if (d.hits) hitsByRule[d.id] = d.hits;
    return {
      ...st,
      rules: {
        detection: set.detections.length,
        correlation: set.correlations.length,
        refused: set.refused.length,
        indexedByValue: set.index.size.byValue,
        indexedByLiteral: set.index.size.byLiteral,
        indexedByField: set.index.size.byField,
        indexedByLogsource: set.index.size.byLogsource,
        unindexed: set.index.size.always,
        logsourceGroups: set.index.size.groups,
      },
      correlation: corr,
      hitsByRule,
    };
  };

  const reload = (rules: Rule[]): ReloadResult => {
    const next = buildRuleSet(rules, base, limits);
    const res: ReloadResult = { added: [], removed: [], changed: [], kept: [], refused: next.refused };
    for (const [id, c] of next.byId) {
      const old = set.byId.get(id);
      if (!old) res.added.push(id);
      else if (old.version !== c.version) res.changed.push(id);
      else {
        res.kept.push(id);
        c.hits = old.hits;
        if ('state' in c && 'state' in old) c.state.adoptState(old.state);
      }
    }
    for (const id of set.byId.keys()) if (!next.byId.has(id)) res.removed.push(id);
    // Suppression memory of changed/removed rules is dropped with them.
    const keep = new Set(res.kept);
    const filter = (m: Map<string, number>): Map<string, number> => new Map([...m].filter(([k]) => keep.has(k.split(/[|@]/)[0]!)));
    suppress = filter(suppress);
    dedup = filter(dedup);
    set = next;
    refused.length = 0;
    refused.push(...next.refused);
    st.reloads++;
    return res;
  };

  return { process, flush, stats, reload, refused };
}
