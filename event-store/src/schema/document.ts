/**
 * Document checks shared by both engines. Elasticsearch rejects a document whose value does not fit the
 * mapping; doing the same checks here, before either engine sees the document, makes both engines accept
 * and reject the same documents (rejections are non-retryable and go to the dead-letter dataset).
 */
import type { EcsDocument } from '../contract.js';
import { FIELDS, HOT_VALUE_FIELDS, isHot, type FieldType } from './fields.js';
import { parseIp } from './ip.js';

/** Reserved field carrying the document id inside Elasticsearch sources (sort tie-breaker). */
export const ID_FIELD = 'emsoc_id';
const MAX_KEYWORD_BYTES = 32_766; // Lucene's limit for one indexed term
const MAX_DEPTH = 20;

const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const NOW = /^now(?:([+-])(\d{1,9})([smhdw]))?$/;
const UNIT_MS: Record<string, number> = { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7, w: 6.048e8 };

/** ISO-8601 (UTC unless a zone is given, like Elasticsearch), epoch millis, or `now`, `now-15m`. */
export function parseDateMs(text: string | number, now = Date.now()): number | undefined {
  if (typeof text === 'number') return Number.isSafeInteger(text) ? text : undefined;
  if (/^\d{1,15}$/.test(text)) return Number(text);
  const rel = NOW.exec(text);
  if (rel) return rel[1] ? now + (rel[1] === '-' ? -1 : 1) * Number(rel[2]) * UNIT_MS[rel[3]!]! : now;
  if (!ISO.test(text)) return undefined;
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/.test(text) && text.length > 10;
  const iso = text.replace(' ', 'T');
  const ms = Date.parse(hasZone || iso.length === 10 ? iso : iso + 'Z');
  return Number.isFinite(ms) ? ms : undefined;
}

/** Expands dotted keys (`{"source.ip": x}`) into ECS objects so every engine sees one shape. */
export function normalizeDocument(doc: EcsDocument): EcsDocument {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new DocumentError('document must be an object');
  return needsExpansion(doc, 0) ? (expand(doc, 0) as EcsDocument) : doc;
}

/** Most documents are already nested ECS: detect that without copying. */
function needsExpansion(v: unknown, depth: number): boolean {
  if (depth > MAX_DEPTH) return true; // let expand() report it
  if (Array.isArray(v)) {
    for (const x of v) if (x !== null && typeof x === 'object' && needsExpansion(x, depth + 1)) return true;
    return false;
  }
  for (const k in v as Record<string, unknown>) {
    if ((k.includes('.') && k !== '@timestamp') || (depth === 0 && k === ID_FIELD)) return true;
    const x = (v as Record<string, unknown>)[k];
    if (x !== null && typeof x === 'object' && needsExpansion(x, depth + 1)) return true;
  }
  return false;
}

function expand(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new DocumentError(`document nested deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(value)) return value.map((v) => expand(v, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === ID_FIELD && depth === 0) continue;
    const parts = k === '@timestamp' ? [k] : k.split('.');
    let target = out;
    for (const p of parts.slice(0, -1)) {
      const cur = target[p];
      if (cur === undefined) target[p] = {};
      else if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) throw new DocumentError(`field ${k} conflicts with a value at ${p}`);
      target = target[p] as Record<string, unknown>;
    }
    const leaf = parts[parts.length - 1]!;
    const ev = expand(v, depth + 1);
    const prev = target[leaf];
    if (prev !== undefined && isPlainObject(prev) && isPlainObject(ev)) Object.assign(prev, ev);
    else Object.defineProperty(target, leaf, { value: ev, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * JSON text of documents serialised earlier on the same path (the bulk writer sizes its queue by it), so the
 * store does not serialise a 1 KB document twice. Keyed by object identity: the writer snapshot is what is stored.
 */
const serialized = new WeakMap<object, string>();

export function serializedDocument(doc: EcsDocument): string {
  let json = serialized.get(doc);
  if (json === undefined) {
    json = JSON.stringify(doc);
  } else {
    serialized.delete(doc); // used once; a later write of the same (possibly mutated) object serialises afresh
  }
  return json;
}

/** Serialises a document and remembers the text for `serializedDocument`. */
export function serializeAhead(doc: EcsDocument): string {
  const json = JSON.stringify(doc);
  if (doc !== null && typeof doc === 'object') serialized.set(doc, json);
  return json;
}

export class DocumentError extends Error {
  override readonly name = 'DocumentError';
}

/** Reads a dotted field from an ECS (nested) document. */
export function getField(doc: unknown, field: string): unknown {
  if (field === '@timestamp') return (doc as Record<string, unknown>)['@timestamp'];
  let cur: unknown = doc;
  for (const p of field.split('.')) {
    if (!isPlainObject(cur) || !Object.prototype.hasOwnProperty.call(cur, p)) return undefined;
    cur = cur[p];
  }
  return cur;
}

/** The field model as a tree, so validation walks documents without building path strings. */
interface LeafDef { name: string; type: FieldType; hot: boolean; slot: number }
interface SchemaNode { def?: LeafDef; children?: Map<string, SchemaNode> }
const SCHEMA_TREE: SchemaNode = { children: new Map() };
for (const [name, def] of Object.entries(FIELDS)) {
  let node = SCHEMA_TREE;
  for (const p of name === '@timestamp' ? [name] : name.split('.')) {
    node.children ??= new Map();
    let next = node.children.get(p);
    if (!next) node.children.set(p, (next = {}));
    node = next;
  }
  node.def = { name, type: def.type, hot: isHot(name), slot: HOT_VALUE_FIELDS.indexOf(name) };
}

/** Typed values of the hot fields; throws DocumentError when a declared field has an ill-typed value. */
export function validateDocument(doc: EcsDocument): { ts: number; hot: Map<string, unknown> } {
  const { ts, hot } = checkDocument(doc);
  return { ts, hot: new Map(HOT_VALUE_FIELDS.flatMap((f, i) => (hot[i] === undefined ? [] : [[f, hot[i]] as const]))) };
}

/** Thrown (once, internally) when the walk meets a dotted key: the document must be expanded first. */
const NEEDS_EXPANSION = Symbol('needs expansion');

/**
 * normalizeDocument + validateDocument in one walk, for the ingest hot path: `hot[i]` is the typed value of
 * HOT_VALUE_FIELDS[i] (undefined when absent). Nested ECS documents (the common case) are walked once and
 * never copied; a document with dotted keys is expanded and walked again.
 */
export function prepareDocument(input: EcsDocument): { doc: EcsDocument; ts: number; hot: unknown[] } {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) throw new DocumentError('document must be an object');
  try {
    return { doc: input, ...checkDocument(input, true) };
  } catch (e) {
    // A validation error met before a dotted key would be reached must not hide the expansion's verdict.
    if (e !== NEEDS_EXPANSION && !(e instanceof DocumentError && needsExpansion(input, 0))) throw e;
  }
  const doc = expand(input, 0) as EcsDocument;
  return { doc, ...checkDocument(doc) };
}

/**
 * The text path (`EventStore.bulkJson`): the JSON is parsed once, for the same checks as `prepareDocument`
 * (so both paths accept and reject the same documents), and the caller's text is stored as it is unless
 * the document had to be normalised (dotted keys, a reserved field): then the normalised form is serialised.
 * Parsing is needed because the checks walk every field; what this saves is the second serialisation.
 */
export function prepareSerialized(json: string): { doc: EcsDocument; ts: number; hot: unknown[]; json: string } {
  if (typeof json !== 'string') throw new DocumentError('document text must be a string');
  let parsed: EcsDocument;
  try {
    parsed = JSON.parse(json) as EcsDocument;
  } catch (e) {
    throw new DocumentError(`document is not valid JSON: ${(e as Error).message.slice(0, 80)}`);
  }
  const p = prepareDocument(parsed);
  return { ...p, json: p.doc === parsed ? json : JSON.stringify(p.doc) };
}

function checkDocument(doc: EcsDocument, detectDotted = false): { ts: number; hot: unknown[] } {
  const ts = parseDateMs(doc['@timestamp'] as string);
  if (ts === undefined) {
    if (detectDotted && needsExpansion(doc, 0)) throw NEEDS_EXPANSION;
    throw new DocumentError(`@timestamp must be an ISO-8601 date, got ${JSON.stringify(doc['@timestamp'])?.slice(0, 64)}`);
  }
  const hot: unknown[] = new Array(HOT_VALUE_FIELDS.length);
  walk(doc, SCHEMA_TREE, '', hot, 0, detectDotted);
  return { ts, hot };
}

function walk(obj: Record<string, unknown>, schema: SchemaNode | undefined, prefix: string, hot: unknown[], depth: number, detectDotted: boolean): void {
  if (depth > MAX_DEPTH) throw new DocumentError(`document nested deeper than ${MAX_DEPTH} levels`);
  for (const k in obj) {
    if (detectDotted && ((depth === 0 && k === ID_FIELD) || (k.includes('.') && !(depth === 0 && k === '@timestamp')))) throw NEEDS_EXPANSION;
    const v = obj[k];
    if (v === null || v === undefined || (depth === 0 && k === '@timestamp')) continue;
    const node = schema?.children?.get(k);
    if (node?.def) checkLeaf(node.def, v, hot);
    else if (isPlainObject(v)) walk(v, node, prefix ? `${prefix}.${k}` : k, hot, depth + 1, detectDotted);
    else if (node?.children) throw new DocumentError(`field ${prefix ? `${prefix}.${k}` : k} must be an object`);
    else checkUnknown(() => (prefix ? `${prefix}.${k}` : k), v, hot, depth + 1, detectDotted);
  }
}

function checkUnknown(path: () => string, v: unknown, hot: unknown[], depth: number, detectDotted: boolean): void {
  if (typeof v === 'string') {
    if (v.length > MAX_KEYWORD_BYTES / 3 && Buffer.byteLength(v) > MAX_KEYWORD_BYTES) {
      throw new DocumentError(`field ${path()} is longer than ${MAX_KEYWORD_BYTES} bytes`);
    }
  } else if (Array.isArray(v)) {
    for (const x of v) {
      if (isPlainObject(x)) walk(x, undefined, path(), hot, depth + 1, detectDotted);
      else if (x !== null) checkUnknown(path, x, hot, depth + 1, detectDotted);
    }
  }
}

function checkLeaf(def: LeafDef, v: unknown, hot: unknown[] | undefined): void {
  if (Array.isArray(v)) {
    if (def.hot) throw new DocumentError(`field ${def.name} must be single-valued`);
    for (const x of v) if (x !== null) checkLeaf(def, x, undefined); // elements are checked, never hot
    return;
  }
  const type = def.type;
  // ip and date values are parsed once: the check and the hot column share the result.
  const parsed = type === 'ip' ? (typeof v === 'string' ? parseIp(v) : undefined)
    : type === 'date' ? ((typeof v === 'string' || typeof v === 'number') ? parseDateMs(v) : undefined) : v;
  if (parsed === undefined || !fits(type, v)) throw new DocumentError(`field ${def.name} (${type}) cannot hold ${JSON.stringify(v)?.slice(0, 64)}`);
  if (type === 'keyword' && typeof v === 'string' && v.length > MAX_KEYWORD_BYTES / 3 && Buffer.byteLength(v) > MAX_KEYWORD_BYTES) {
    throw new DocumentError(`field ${def.name} is longer than ${MAX_KEYWORD_BYTES} bytes`);
  }
  if (def.slot >= 0 && hot) hot[def.slot] = parsed;
}

function fits(type: FieldType, x: unknown): boolean {
  switch (type) {
    case 'keyword': return typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';
    case 'text': return typeof x === 'string';
    case 'long': return typeof x === 'number' && Number.isSafeInteger(x);
    case 'double': return typeof x === 'number' && Number.isFinite(x);
    case 'boolean': return typeof x === 'boolean';
    case 'date': case 'ip': return true; // parsed by the caller
  }
}
