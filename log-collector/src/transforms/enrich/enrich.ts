/**
 * Ingest-time enrichment: asset/org-unit context for `source`/`destination`, and IOC matches.
 * Loaded once from the policies directory; `enrich()` does only map lookups.
 *
 * IOC matches are written as ECS `threat.enrichments[]` ({ indicator, matched }) with
 * `threat.indicator` set to the first match for simple rules, and the tag `ioc_match`.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { addTo, type EcsEvent, sub } from '../../sources/syslog/event.js';
import { type AssetInventory, loadAssetInventory } from './assets.js';
import { emptyIocSet, type Indicator, type IocSet, loadIocText, loadIocYaml, lookupDomain } from './ioc.js';
import { IpPrefixTable } from './ip-table.js';

export interface Enrichment {
  assets: AssetInventory;
  iocs: IocSet;
  warnings: string[];
  enrich(ev: EcsEvent): EcsEvent;
}

const IP_FIELDS: Array<[string, string]> = [['source', 'source.ip'], ['destination', 'destination.ip'], ['client', 'client.ip'], ['server', 'server.ip']];
const DOMAIN_FIELDS: Array<[(ev: EcsEvent) => unknown, string]> = [
  [(ev) => ev.source?.domain, 'source.domain'],
  [(ev) => ev.destination?.domain, 'destination.domain'],
  [(ev) => ev.url?.domain, 'url.domain'],
  [(ev) => ev.dns?.question?.name, 'dns.question.name'],
];
const HASH_FIELDS: Array<[(ev: EcsEvent) => unknown, string, string]> = [];
for (const owner of ['file', 'process']) {
  for (const alg of ['md5', 'sha1', 'sha256']) HASH_FIELDS.push([(ev) => ev[owner]?.hash?.[alg], `${owner}.hash.${alg}`, alg]);
}

function indicatorDoc(ind: Indicator): EcsEvent {
  const doc: EcsEvent = { provider: ind.provider };
  if (ind.type === 'ip') {
    doc.type = ind.value.includes(':') ? 'ipv6-addr' : 'ipv4-addr';
    doc.ip = ind.value;
  } else if (ind.type === 'domain') {
    doc.type = 'domain-name';
    doc.url = { domain: ind.value };
  } else {
    doc.type = 'file';
    doc.file = { hash: { [ind.type]: ind.value } };
  }
  if (ind.description) doc.description = ind.description;
  if (ind.confidence) doc.confidence = ind.confidence;
  return doc;
}

function record(ev: EcsEvent, ind: Indicator, atomic: string, field: string): void {
  const threat = sub(ev, 'threat');
  const list: EcsEvent[] = Array.isArray(threat.enrichments) ? threat.enrichments : (threat.enrichments = []);
  const indicator = indicatorDoc(ind);
  list.push({ indicator, matched: { atomic, field, type: 'indicator_match_rule' } });
  if (!threat.indicator) threat.indicator = indicator;
  addTo(ev, 'tags', 'ioc_match');
}

/** Build an enricher from already-loaded parts (tests, or callers with their own storage). */
export function createEnrichment(assets: AssetInventory, iocs: IocSet, warnings: string[] = []): Enrichment {
  const enrich = (ev: EcsEvent): EcsEvent => {
    for (const [side, field] of IP_FIELDS) {
      const o = ev[side];
      const ip = o?.ip;
      if (typeof ip !== 'string') continue;
      const a = assets.table.lookup(ip);
      if (a) o.asset = { ...a, org_path: [...a.org_path] };
      const hit = iocs.ips.lookup(ip);
      if (hit) record(ev, hit, ip, field);
    }
    if (iocs.domains.size) {
      for (const [get, field] of DOMAIN_FIELDS) {
        const d = get(ev);
        if (typeof d !== 'string' || d === '') continue;
        const hit = lookupDomain(iocs, d);
        if (hit) record(ev, hit, d, field);
      }
    }
    if (iocs.hashes.size) {
      for (const [get, field] of HASH_FIELDS) {
        const h = get(ev);
        if (typeof h !== 'string') continue;
        const hit = iocs.hashes.get(h.toLowerCase());
        if (hit) record(ev, hit, h, field);
      }
    }
    return ev;
  };
  return { assets, iocs, warnings: [...assets.warnings, ...iocs.warnings, ...warnings], enrich };
}

/** Load `<dir>/assets.yaml` (with `<dir>/org-units.yaml`) and `<dir>/ioc/*.{txt,yaml,yml}`; missing files mean empty tables. */
export async function loadEnrichment(policiesDir: string): Promise<Enrichment> {
  const warnings: string[] = [];
  let assets: AssetInventory;
  try {
    let orgUnits: string | undefined;
    try {
      orgUnits = await readFile(path.join(policiesDir, 'org-units.yaml'), 'utf8');
    } catch {
      orgUnits = undefined; // assets.yaml may carry its own org_units
    }
    assets = loadAssetInventory(await readFile(path.join(policiesDir, 'assets.yaml'), 'utf8'), orgUnits);
  } catch (e) {
    warnings.push(`assets.yaml not loaded: ${(e as Error).message}`);
    assets = { orgUnits: new Map(), table: new IpPrefixTable(), warnings: [] };
  }
  const iocs = emptyIocSet();
  const iocDir = path.join(policiesDir, 'ioc');
  let files: string[] = [];
  try {
    files = (await readdir(iocDir)).sort();
  } catch {
    warnings.push(`no IOC directory at ${iocDir}`);
  }
  for (const f of files) {
    const ext = path.extname(f).toLowerCase();
    const provider = path.basename(f, ext);
    try {
      if (ext === '.txt') loadIocText(iocs, await readFile(path.join(iocDir, f), 'utf8'), provider);
      else if (ext === '.yaml' || ext === '.yml') loadIocYaml(iocs, await readFile(path.join(iocDir, f), 'utf8'), provider);
    } catch (e) {
      warnings.push(`IOC file ${f} not loaded: ${(e as Error).message}`);
    }
  }
  return createEnrichment(assets, iocs, warnings);
}

/** Apply a loaded enrichment to one event. */
export function enrich(ev: EcsEvent, enrichment: Enrichment): EcsEvent {
  return enrichment.enrich(ev);
}
