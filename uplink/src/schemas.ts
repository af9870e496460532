/**
 * Versioned JSON schemas of every uplink message (uplink/schemas/*.v<N>.json, draft 2020-12). Senders
 * validate before signing, receivers after verifying: a message that does not match is never sent and
 * never stored.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

export const SCHEMA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'schemas');

/** Message types and the schema name each carries in its `schema` field. */
export const MESSAGE_SCHEMAS = {
  'emsoc.uplink.summary.v1': 'urn:emsoc:uplink:schema:summary:v1',
  'emsoc.uplink.incident.v1': 'urn:emsoc:uplink:schema:incident:v1',
  'emsoc.uplink.records.v1': 'urn:emsoc:uplink:schema:records:v1',
} as const;
export type MessageSchema = keyof typeof MESSAGE_SCHEMAS;
export const ENVELOPE_SCHEMA = 'urn:emsoc:uplink:schema:envelope:v1';

export interface SchemaIssue {
  path: string;
  message: string;
}

const describe = (errors: ErrorObject[] | null | undefined): SchemaIssue[] =>
  (errors ?? []).slice(0, 10).map((e) => ({ path: e.instancePath || '/', message: `${e.message ?? 'invalid'}${e.params && 'allowedValue' in e.params ? ` (${String(e.params.allowedValue)})` : ''}` }));

export class SchemaSet {
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(dir = SCHEMA_DIR) {
    const ajv = new Ajv2020({ allErrors: false, strict: true, strictRequired: false, strictTypes: false });
    (addFormatsModule as unknown as (a: Ajv2020) => void)(ajv);
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
      ajv.addSchema(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as object);
    }
    for (const id of [ENVELOPE_SCHEMA, ...Object.values(MESSAGE_SCHEMAS)]) {
      const v = ajv.getSchema(id);
      if (!v) throw new Error(`schema ${id} missing from ${dir}`);
      this.validators.set(id, v);
    }
  }

  /** Checks the wire shape (one signed message or a batch). */
  envelope(value: unknown): SchemaIssue[] {
    const v = this.validators.get(ENVELOPE_SCHEMA)!;
    return v(value) ? [] : describe(v.errors);
  }

  /** Checks a message against the schema its `schema` field names; unknown schema names are issues too. */
  message(value: unknown): SchemaIssue[] {
    const name = (value as { schema?: unknown } | null)?.schema;
    if (typeof name !== 'string' || !(name in MESSAGE_SCHEMAS)) {
      return [{ path: '/schema', message: `unknown message schema ${JSON.stringify(name)} (known: ${Object.keys(MESSAGE_SCHEMAS).join(', ')})` }];
    }
    const v = this.validators.get(MESSAGE_SCHEMAS[name as MessageSchema])!;
    return v(value) ? [] : describe(v.errors);
  }
}

let shared: SchemaSet | undefined;
export function schemas(): SchemaSet {
  return (shared ??= new SchemaSet());
}
