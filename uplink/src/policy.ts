import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { policiesDir } from '@emsoc/common/paths';

const name = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/);
export const SEVERITIES = ['informational', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const uplinkPolicySchema = z
  .object({
    summaries: z.array(z.object({ name, everySeconds: z.number().int().min(1).max(7 * 86400) }).strict()).default([{ name: '5m', everySeconds: 300 }]),
    catchUpPeriods: z.number().int().min(0).max(10_000).default(288),
    incidents: z
      .object({ minSeverity: z.enum(SEVERITIES).default('high'), onStatusChange: z.boolean().default(true), pollSeconds: z.number().min(0.1).default(15) })
      .strict()
      .prefault({}),
    records: z
      .array(
        z
          .object({
            name,
            enabled: z.boolean().default(true),
            dataset: z.enum(['events', 'flows']),
            filter: z.string().max(4000),
            everySeconds: z.number().int().min(1).default(300),
            maxPerPeriod: z.number().int().min(1).max(5000).default(1000),
          })
          .strict(),
      )
      .default([]),
    receiver: z
      .object({
        units: z.array(z.object({ id: z.string().min(1), name: z.string().optional(), fingerprints: z.array(z.string()).optional() }).strict()).default([]),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type UplinkPolicy = z.infer<typeof uplinkPolicySchema>;

export function loadUplinkPolicy(file = path.join(policiesDir, 'uplink.yaml')): UplinkPolicy {
  let raw: unknown;
  try {
    raw = parseYaml(fs.readFileSync(file, 'utf8')) ?? {};
  } catch (e) {
    throw new Error(`cannot read uplink policy ${file}: ${(e as Error).message}`);
  }
  const r = uplinkPolicySchema.safeParse(raw);
  if (!r.success) throw new Error(`invalid uplink policy ${file}:\n${r.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  return r.data;
}
