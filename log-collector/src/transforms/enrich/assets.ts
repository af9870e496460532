/**
 * Asset inventory (`policies/assets.yaml`): CIDRs → asset name, owner, criticality and the
 * organisational unit in the ministry → province → city → county hierarchy.
 *
 * Fields written (same shape on both sides): `source.asset.*` and `destination.asset.*`
 *   name, criticality, owner, cidr, org_unit (id), org_unit_name, org_level, org_path
 *   (ids from the ministry down to org_unit).
 */
import { parse as parseYaml } from 'yaml';
import { IpPrefixTable } from './ip-table.js';

export interface OrgUnit {
  id: string;
  name: string;
  level: string;
  parent?: string;
}

export interface AssetInfo {
  name: string;
  criticality: string;
  owner?: string;
  cidr: string;
  org_unit: string;
  org_unit_name?: string;
  org_level?: string;
  org_path: string[];
}

export interface AssetInventory {
  orgUnits: Map<string, OrgUnit>;
  table: IpPrefixTable<AssetInfo>;
  /** Problems found while loading (bad CIDR, unknown org unit...); loading goes on. */
  warnings: string[];
}

const CRITICALITY = new Set(['low', 'medium', 'high', 'critical']);

/**
 * `orgUnitsYaml` is the platform's `policies/org-units.yaml` (`units: [{id, name, level, parent}]`);
 * units listed under `org_units` in the assets file itself are added to (or override) those.
 */
export function loadAssetInventory(yamlText: string, orgUnitsYaml?: string): AssetInventory {
  const doc = (parseYaml(yamlText) ?? {}) as { org_units?: unknown[]; assets?: unknown[] };
  const shared = orgUnitsYaml ? ((parseYaml(orgUnitsYaml) ?? {}) as { units?: unknown[] }).units ?? [] : [];
  const warnings: string[] = [];
  const orgUnits = new Map<string, OrgUnit>();
  for (const raw of [...shared, ...(doc.org_units ?? [])]) {
    const u = raw as Partial<OrgUnit>;
    if (!u || typeof u.id !== 'string') {
      warnings.push('org unit without id skipped');
      continue;
    }
    orgUnits.set(u.id, { id: u.id, name: String(u.name ?? u.id), level: String(u.level ?? ''), parent: u.parent ? String(u.parent) : undefined });
  }
  const pathOf = (id: string): string[] => {
    const path: string[] = [];
    const seen = new Set<string>();
    for (let cur: string | undefined = id; cur && !seen.has(cur); cur = orgUnits.get(cur)?.parent) {
      seen.add(cur);
      path.unshift(cur);
    }
    return path;
  };
  const table = new IpPrefixTable<AssetInfo>();
  for (const raw of doc.assets ?? []) {
    const a = raw as { name?: string; cidr?: string | string[]; org_unit?: string; owner?: string; criticality?: string };
    if (!a || !a.cidr || !a.org_unit) {
      warnings.push(`asset ${a?.name ?? '?'} lacks cidr or org_unit`);
      continue;
    }
    if (!orgUnits.has(a.org_unit)) warnings.push(`asset ${a.name ?? a.cidr}: unknown org unit ${a.org_unit}`);
    const crit = String(a.criticality ?? 'medium').toLowerCase();
    if (!CRITICALITY.has(crit)) warnings.push(`asset ${a.name ?? a.cidr}: criticality ${crit} is not low/medium/high/critical`);
    const ou = orgUnits.get(a.org_unit);
    for (const cidr of Array.isArray(a.cidr) ? a.cidr : [a.cidr]) {
      const info: AssetInfo = {
        name: String(a.name ?? cidr), criticality: crit, owner: a.owner, cidr: String(cidr), org_unit: a.org_unit,
        org_unit_name: ou?.name, org_level: ou?.level, org_path: pathOf(a.org_unit),
      };
      if (!table.insert(String(cidr), info)) warnings.push(`asset ${a.name ?? ''}: invalid CIDR ${cidr}`);
    }
  }
  return { orgUnits, table, warnings };
}
