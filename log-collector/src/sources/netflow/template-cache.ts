/**
 * Templates learned from NetFlow v9 / IPFIX exporters, kept per (exporter, observation domain),
 * bounded in count and age, plus a small bounded buffer for data sets that arrive before their
 * template, and per-domain exporter metadata (sampling) learned from options records.
 */
import type { ElementDef } from './elements.js';

export const VARIABLE_LENGTH = 0xffff;

/** Templates and metadata are scoped to one exporter socket and observation domain (source id). */
export function domainKey(version: 9 | 10, exporter: { address: string; port: number }, domain: number): string {
  return `${version}|${exporter.address}|${exporter.port}|${domain}`;
}

export interface TemplateField {
  id: number;
  enterprise: number;
  /** Octets, or VARIABLE_LENGTH (IPFIX only). May be 0 (the field carries nothing). */
  length: number;
  def: ElementDef | undefined;
  name: string;
  scope: boolean;
  /** Fast reader for the hot loop (templated.ts Reader); 0 = generic by element type. */
  reader: number;
  /** Record property this field fills (a templated.ts Slot; 0 = none, value goes to extras). */
  slot: number;
}

export interface Template {
  id: number;
  options: boolean;
  fields: TemplateField[];
  /** Smallest possible record: fixed lengths plus one octet per variable-length field. Always >= 1. */
  minLength: number;
  /** Whole record length when there is no variable-length field, else -1. */
  fixedLength: number;
  learnedMs: number;
}

/** Context of the export packet a buffered data set came in. */
export interface PacketContext {
  version: 9 | 10;
  domainKey: string;
  domain: number;
  sequence: number;
  exportMs: number;
  /** v9 only: exporter uptime at export, ms. */
  sysUptimeMs: number;
  receivedMs: number;
}

export interface PendingSet {
  ctx: PacketContext;
  templateId: number;
  setIndex: number;
  data: Uint8Array;
  expiresMs: number;
}

export interface ExporterMeta {
  /** Interval from an options record without sampler id (or v9 SAMPLING_INTERVAL). */
  samplingInterval?: number;
  /** Sampler id -> interval. */
  samplers: Map<number, number>;
  systemInitMs?: number;
}

export interface TemplateCacheOptions {
  /** Max templates over all exporters; the oldest-learned is evicted past it. */
  maxTemplates?: number;
  /** A template not refreshed for this long is forgotten (RFC 7011 §8.4 for UDP). */
  ttlMs?: number;
  /** Max fields in one template; larger templates are rejected. */
  maxFieldsPerTemplate?: number;
  /** Data sets kept while their template is unknown (0 disables buffering). */
  maxPendingSets?: number;
  maxPendingBytes?: number;
  pendingTtlMs?: number;
  /** Max exporter domains whose metadata is remembered. */
  maxDomains?: number;
}

export interface TemplateCacheStats {
  templates: number;
  learned: number;
  refreshed: number;
  evictions: number;
  expirations: number;
  withdrawals: number;
  rejected: number;
  missingTemplate: number;
  pendingBuffered: number;
  pendingDropped: number;
  pendingReplayed: number;
  pendingExpired: number;
}

export class TemplateCache {
  readonly maxTemplates: number;
  readonly ttlMs: number;
  readonly maxFieldsPerTemplate: number;
  readonly maxPendingSets: number;
  readonly maxPendingBytes: number;
  readonly pendingTtlMs: number;
  readonly maxDomains: number;
  readonly stats: TemplateCacheStats = {
    templates: 0, learned: 0, refreshed: 0, evictions: 0, expirations: 0, withdrawals: 0, rejected: 0,
    missingTemplate: 0, pendingBuffered: 0, pendingDropped: 0, pendingReplayed: 0, pendingExpired: 0,
  };

  /** Insertion order == learn/refresh order, so the first key is the eviction candidate. */
  private readonly templates = new Map<string, Template>();
  private readonly meta = new Map<string, ExporterMeta>();
  private pending: PendingSet[] = [];
  private pendingBytes = 0;

  constructor(opts: TemplateCacheOptions = {}) {
    this.maxTemplates = opts.maxTemplates ?? 10_000;
    this.ttlMs = opts.ttlMs ?? 30 * 60_000;
    this.maxFieldsPerTemplate = opts.maxFieldsPerTemplate ?? 512;
    this.maxPendingSets = opts.maxPendingSets ?? 256;
    this.maxPendingBytes = opts.maxPendingBytes ?? 1 << 20;
    this.pendingTtlMs = opts.pendingTtlMs ?? 10_000;
    this.maxDomains = opts.maxDomains ?? 4096;
  }

  get size(): number {
    return this.templates.size;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  get(domainKey: string, templateId: number, nowMs: number): Template | undefined {
    const key = `${domainKey}#${templateId}`;
    const t = this.templates.get(key);
    if (t === undefined) return undefined;
    if (nowMs - t.learnedMs > this.ttlMs) {
      this.templates.delete(key);
      this.stats.expirations++;
      this.stats.templates = this.templates.size;
      return undefined;
    }
    return t;
  }

  /** Stores (or refreshes) a template. */
  set(domainKey: string, template: Template): void {
    const key = `${domainKey}#${template.id}`;
    if (this.templates.delete(key)) this.stats.refreshed++;
    else this.stats.learned++;
    while (this.templates.size >= this.maxTemplates) {
      const oldest = this.templates.keys().next().value as string;
      this.templates.delete(oldest);
      this.stats.evictions++;
    }
    this.templates.set(key, template);
    this.stats.templates = this.templates.size;
  }

  withdraw(domainKey: string, templateId: number): void {
    if (this.templates.delete(`${domainKey}#${templateId}`)) this.stats.withdrawals++;
    this.stats.templates = this.templates.size;
  }

  /** IPFIX "withdraw all (options) templates" of a domain. */
  withdrawAll(domainKey: string, options: boolean): void {
    const prefix = `${domainKey}#`;
    for (const [key, t] of this.templates) {
      if (key.startsWith(prefix) && t.options === options) {
        this.templates.delete(key);
        this.stats.withdrawals++;
      }
    }
    this.stats.templates = this.templates.size;
  }

  exporterMeta(domainKey: string, create: true): ExporterMeta;
  exporterMeta(domainKey: string, create?: false): ExporterMeta | undefined;
  exporterMeta(domainKey: string, create = false): ExporterMeta | undefined {
    let m = this.meta.get(domainKey);
    if (m === undefined && create) {
      if (this.meta.size >= this.maxDomains) this.meta.delete(this.meta.keys().next().value as string);
      m = { samplers: new Map() };
      this.meta.set(domainKey, m);
    }
    return m;
  }

  /** Keeps a copy of a data set whose template is unknown; false when buffering is off or full. */
  buffer(ctx: PacketContext, templateId: number, setIndex: number, data: Uint8Array): boolean {
    this.stats.missingTemplate++;
    if (this.maxPendingSets === 0) return false;
    this.expirePending(ctx.receivedMs);
    if (data.length > this.maxPendingBytes) {
      this.stats.pendingDropped++;
      return false;
    }
    while (this.pending.length >= this.maxPendingSets || this.pendingBytes + data.length > this.maxPendingBytes) {
      const dropped = this.pending.shift()!;
      this.pendingBytes -= dropped.data.length;
      this.stats.pendingDropped++;
    }
    this.pending.push({ ctx, templateId, setIndex, data: Uint8Array.from(data), expiresMs: ctx.receivedMs + this.pendingTtlMs });
    this.pendingBytes += data.length;
    this.stats.pendingBuffered++;
    return true;
  }

  /** Removes and returns the buffered sets waiting for this template. */
  takePending(domainKey: string, templateId: number, nowMs: number): PendingSet[] {
    if (this.pending.length === 0) return [];
    this.expirePending(nowMs);
    const taken: PendingSet[] = [];
    const kept: PendingSet[] = [];
    for (const p of this.pending) {
      if (p.ctx.domainKey === domainKey && p.templateId === templateId) taken.push(p);
      else kept.push(p);
    }
    if (taken.length > 0) {
      this.pending = kept;
      for (const p of taken) this.pendingBytes -= p.data.length;
      this.stats.pendingReplayed += taken.length;
    }
    return taken;
  }

  private expirePending(nowMs: number): void {
    while (this.pending.length > 0 && this.pending[0]!.expiresMs < nowMs) {
      const p = this.pending.shift()!;
      this.pendingBytes -= p.data.length;
      this.stats.pendingExpired++;
    }
  }
}
