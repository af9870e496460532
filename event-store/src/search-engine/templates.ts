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

/**
 * `emsoc_text` needs the analysis-common module (pattern tokenizer, pattern_replace, lowercase), present
 * in every Elasticsearch/OpenSearch distribution; a bare embedded node may lack it, and then the adapter
 * falls back to the built-in `standard` analyzer (same Han handling and lowercasing; dotted tokens such as
 * `10.1.2.3` stay whole there, so free-text matching can differ from SQLite for such tokens).
 */
export type TextAnalysis = 'emsoc' | 'standard';

export function esMapping(type: FieldType, analysis: TextAnalysis = 'emsoc'): Record<string, unknown> {
  switch (type) {
    case 'date': return { type: 'date', format: 'strict_date_optional_time||epoch_millis' };
    case 'text': return { type: 'text', analyzer: analysis === 'emsoc' ? 'emsoc_text' : 'standard' };
    default: return { type };
  }
}

/** Nested `properties` tree from the dotted field names. */
export function mappingProperties(analysis: TextAnalysis = 'emsoc'): Record<string, unknown> {
  const root: Record<string, any> = { [ID_FIELD]: { type: 'keyword' } };
  for (const [name, def] of Object.entries(FIELDS)) {
    const parts = name === '@timestamp' ? [name] : name.split('.');
    let node = root;
    for (const p of parts.slice(0, -1)) {
      node[p] ??= { properties: {} };
      node = node[p].properties;
    }
    node[parts[parts.length - 1]!] = esMapping(def.type, analysis);
  }
  return root;
}

export function indexTemplate(prefix: string, dataset: Dataset, s: IndexSettings = {}, analysis: TextAnalysis = 'emsoc') {
  return {
    index_patterns: [`${prefix}-${dataset}-*`],
    priority: 200,
    template: {
      settings: {
        number_of_shards: s.shards ?? 1,
        number_of_replicas: s.replicas ?? 1,
        refresh_interval: s.refreshInterval ?? '1s',
        ...(analysis === 'emsoc' ? { analysis: ES_TEXT_ANALYSIS } : {}),
      },
      mappings: {
        dynamic: true,
        date_detection: false,
        numeric_detection: false,
        // Unknown strings are keywords, as in the SQLite engine.
        dynamic_templates: [{ strings_as_keyword: { match_mapping_type: 'string', mapping: { type: 'keyword' } } }],
        properties: mappingProperties(analysis),
      },
      aliases: { [`${prefix}-${dataset}`]: {} },
    },
    _meta: { managed_by: 'emsoc-event-store', schema: 1 },
  };
}
