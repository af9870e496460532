import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { policiesDir } from '@emsoc/common';

const LEVELS = ['ministry', 'province', 'city', 'county'] as const;
export type UnitLevel = (typeof LEVELS)[number];

const unitSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/),
    code: z.string().regex(/^\d{6}$/),
    level: z.enum(LEVELS),
    parent: z.string().optional(),
    name: z.string().min(1).max(64),
    nameEn: z.string().max(128).optional(),
  })
  .strict();

export interface OrgUnit extends z.infer<typeof unitSchema> {
  /** Province-level ancestor's name (the ministry's own name for ministry units): the DN's O. */
  organization: string;
  /** Ids from the root down to this unit. */
  path: string[];
}

/** The unit tree of policies/org-units.yaml, validated: parents exist and sit exactly one level up. */
export class OrgUnits {
  private readonly byId = new Map<string, OrgUnit>();

  constructor(units: z.infer<typeof unitSchema>[]) {
    const raw = new Map(units.map((u) => [u.id, u]));
    if (raw.size !== units.length) throw new Error('org-units: duplicate unit id');
    for (const u of units) {
      const chain: string[] = [];
      let cur: z.infer<typeof unitSchema> | undefined = u;
      while (cur) {
        chain.unshift(cur.id);
        if (chain.length > LEVELS.length) throw new Error(`org-units: cycle or too deep at ${u.id}`);
        if (cur.parent === undefined) break;
        const parent = raw.get(cur.parent);
        if (!parent) throw new Error(`org-units: ${cur.id} has unknown parent ${cur.parent}`);
        if (LEVELS.indexOf(parent.level) !== LEVELS.indexOf(cur.level) - 1) {
          throw new Error(`org-units: ${cur.id} (${cur.level}) cannot sit under ${parent.id} (${parent.level})`);
        }
        cur = parent;
      }
      if (raw.get(chain[0]!)!.level !== 'ministry' && chain.length > 1) throw new Error(`org-units: ${u.id} does not descend from a ministry`);
      const province = chain.map((id) => raw.get(id)!).find((x) => x.level === 'province');
      this.byId.set(u.id, { ...u, organization: (province ?? raw.get(chain[0]!)!).name, path: chain });
    }
  }

  get(id: string): OrgUnit | undefined {
    return this.byId.get(id);
  }

  list(): OrgUnit[] {
    return [...this.byId.values()];
  }

  /** True when `unit` is `ancestor` or lies below it. */
  within(unit: string, ancestor: string): boolean {
    return this.byId.get(unit)?.path.includes(ancestor) ?? false;
  }
}

export function loadOrgUnits(file = path.join(policiesDir, 'org-units.yaml')): OrgUnits {
  const doc = z.object({ units: z.array(unitSchema).min(1) }).strict().safeParse(parseYaml(fs.readFileSync(file, 'utf8')));
  if (!doc.success) throw new Error(`${file}: ${doc.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return new OrgUnits(doc.data.units);
}
