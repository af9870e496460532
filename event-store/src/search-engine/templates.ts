/** Composable index templates generated from the field model (one per dataset). */
import type { Dataset } from '../contract.js';
import { FIELDS, type FieldType } from '../schema/fields.js';
import { ID_FIELD } from '../schema/document.js';
import { ES_TEXT_ANALYSIS } from '../schema/text.js';

export interface IndexSettings {
  shards?: number;
  replicas?: number;
  refreshInterval?: string;
}

export function esMapping(type: FieldType): Record<string, unknown> {
  switch (type) {
    case 'date': return { type: 'date', format: 'strict_date_optional_time||epoch_millis' };
    case 'text': return { type: 'text', analyzer: 'emsoc_text' };
    default: return { type };
  }
}

/** Nested `properties` tree from the dotted field names. */
export function mappingProperties(): Record<string, unknown> {
  const root: Record<string, any> = { [ID_FIELD]: { type: 'keyword' } };
  for (const [name, def] of Object.entries(FIELDS)) {
    const parts = name === '@timestamp' ? [name] : name.split('.');
    let node = root;
    for (const p of parts.slice(0, -1)) {
      node[p] ??= { properties: {} };
      node = node[p].properties;
    }
    node[parts[parts.length - 1]!] = esMapping(def.type);
  }
  return root;
}

export function indexTemplate(prefix: string, dataset: Dataset, s: IndexSettings = {}) {
  return {
    index_patterns: [`${prefix}-${dataset}-*`],
    priority: 200,
    template: {
      settings: {
        number_of_shards: s.shards ?? 1,
        number_of_replicas: s.replicas ?? 1,
        refresh_interval: s.refreshInterval ?? '1s',
        analysis: ES_TEXT_ANALYSIS,
      },
      mappings: {
        dynamic: true,
        date_detection: false,
        numeric_detection: false,
        // Unknown strings are keywords, as in the SQLite engine.
        dynamic_templates: [{ strings_as_keyword: { match_mapping_type: 'string', mapping: { type: 'keyword' } } }],
        properties: mappingProperties(),
      },
      aliases: { [`${prefix}-${dataset}`]: {} },
    },
    _meta: { managed_by: 'emsoc-event-store', schema: 1 },
  };
}
