/**
 * Indicator lists (`policies/ioc/*.txt` and `*.yaml`): IPs, CIDRs, domains and file hashes.
 *   - .txt: one indicator per line, `#` comments; the type is inferred from the text.
 *   - .yaml: `indicators: [{ value, type?, description?, confidence?, provider? }]`.
 * The file name (without extension) is the default provider.
 */
import { isIP } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { IpPrefixTable } from './ip-table.js';

export type IocType = 'ip' | 'domain' | 'md5' | 'sha1' | 'sha256';

export interface Indicator {
  type: IocType;
  value: string;
  provider: string;
  description?: string;
  confidence?: string;
}

export interface IocSet {
  ips: IpPrefixTable<Indicator>;
  domains: Map<string, Indicator>;
  hashes: Map<string, Indicator>;
  count: number;
  warnings: string[];
}

export function emptyIocSet(): IocSet {
  return { ips: new IpPrefixTable(), domains: new Map(), hashes: new Map(), count: 0, warnings: [] };
}

const DOMAIN = /^(?:\*\.)?(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/;

/** Type of an indicator text, or undefined when it is none of the supported kinds. */
export function inferType(value: string): IocType | 'cidr' | undefined {
  const v = value.trim();
  if (isIP(v)) return 'ip';
  const slash = v.indexOf('/');
  if (slash > 0 && isIP(v.slice(0, slash)) && /^\d{1,3}$/.test(v.slice(slash + 1))) return 'cidr';
  if (/^[0-9a-fA-F]+$/.test(v)) {
    if (v.length === 32) return 'md5';
    if (v.length === 40) return 'sha1';
    if (v.length === 64) return 'sha256';
  }
  if (DOMAIN.test(v.toLowerCase())) return 'domain';
  return undefined;
}

export function addIndicator(set: IocSet, raw: Partial<Indicator> & { value: string }, provider: string): void {
  const value = raw.value.trim();
  const kind = inferType(value);
  if (!kind) {
    set.warnings.push(`${provider}: unrecognised indicator "${value.slice(0, 80)}"`);
    return;
  }
  const type: IocType = kind === 'cidr' ? 'ip' : kind;
  const ind: Indicator = { type, value, provider: raw.provider ?? provider, description: raw.description, confidence: raw.confidence };
  if (type === 'ip') set.ips.insert(value, ind);
  else if (type === 'domain') set.domains.set(value.toLowerCase().replace(/^\*\./, ''), ind);
  else set.hashes.set(value.toLowerCase(), ind);
  set.count++;
}

export function loadIocText(set: IocSet, text: string, provider: string): void {
  for (const line of text.split(/\r?\n/)) {
    const hash = line.indexOf('#');
    const body = (hash >= 0 ? line.slice(0, hash) : line).trim();
    if (!body) continue;
    const comment = hash >= 0 ? line.slice(hash + 1).trim() : undefined;
    addIndicator(set, { value: body.split(/[\s,]/)[0]!, description: comment || undefined }, provider);
  }
}

export function loadIocYaml(set: IocSet, text: string, provider: string): void {
  const doc = parseYaml(text) as unknown;
  const list = Array.isArray(doc) ? doc : (doc as { indicators?: unknown[] } | null)?.indicators ?? [];
  const defProvider = (doc as { provider?: string } | null)?.provider ?? provider;
  for (const item of list) {
    if (typeof item === 'string') addIndicator(set, { value: item }, defProvider);
    else if (item && typeof (item as Indicator).value === 'string') {
      const i = item as Indicator;
      addIndicator(set, { ...i, confidence: i.confidence === undefined ? undefined : String(i.confidence) }, defProvider);
    } else set.warnings.push(`${provider}: indicator entry without value`);
  }
}

/** The indicator for `domain` or any parent domain (`a.evil.example` hits `evil.example`). */
export function lookupDomain(set: IocSet, domain: string): Indicator | undefined {
  let d = domain.toLowerCase().replace(/\.$/, '');
  for (;;) {
    const hit = set.domains.get(d);
    if (hit) return hit;
    const dot = d.indexOf('.');
    if (dot < 0) return undefined;
    d = d.slice(dot + 1);
    if (!d.includes('.')) return undefined; // never match a bare TLD
  }
}
