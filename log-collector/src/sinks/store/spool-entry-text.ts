/**
 * Splits a spool record's JSON text (`{"d":…,"i":…,"e":{…}}`, as the pipeline writes a SpoolEntry) into its
 * dataset, id and the document's own JSON text, without parsing the document: the store checks and stores
 * that text as it is (`EventStore.bulkJson`). Anything not in that layout returns undefined, and the caller
 * parses the record as a whole. The layout is the pipeline's (`encode`, keys d, i, e in that order); if it ever
 * grew a key after `e`, the document text would carry the tail and fail the store's JSON parse, so it would be
 * dead-lettered with its text, never stored wrong or lost.
 */
import type { Dataset } from '@emsoc/event-store/contract';

export interface SpoolEntryText {
  d: Dataset;
  i: string;
  /** The document's JSON text. */
  e: string;
}

const HEAD = '{"d":"';
const ID = '","i":"';
const DOC = ',"e":';

export function splitSpoolEntry(text: string): SpoolEntryText | undefined {
  if (!text.startsWith(HEAD)) return undefined;
  const dEnd = text.indexOf('"', HEAD.length);
  if (dEnd < 0 || !text.startsWith(ID, dEnd)) return undefined;
  const d = text.slice(HEAD.length, dEnd);
  if (d.includes('\\')) return undefined;
  // The id is a JSON string literal: find its closing quote (one not preceded by an odd run of backslashes).
  const idStart = dEnd + ID.length - 1;
  let k = idStart + 1;
  for (;;) {
    const q = text.indexOf('"', k);
    if (q < 0) return undefined;
    let bs = 0;
    while (text.charCodeAt(q - 1 - bs) === 0x5c) bs++;
    if (bs % 2 === 0) { k = q; break; }
    k = q + 1;
  }
  const rawId = text.slice(idStart, k + 1);
  const i = rawId.includes('\\') ? (JSON.parse(rawId) as string) : rawId.slice(1, -1);
  if (!text.startsWith(DOC, k + 1) || !text.endsWith('}}')) return undefined;
  const e = text.slice(k + 1 + DOC.length, -1);
  if (e.charCodeAt(0) !== 0x7b /* { */) return undefined;
  return { d: d as Dataset, i, e };
}

const TS_KEY = '"@timestamp":"';

/**
 * Epoch millis of the first `@timestamp` string in a document's text, for the sink's lag gauge only (the
 * store parses and checks the real one). The pipeline's documents carry one `@timestamp`, at the top.
 */
export function timestampOfText(json: string): number {
  const at = json.indexOf(TS_KEY);
  if (at < 0) return NaN;
  const end = json.indexOf('"', at + TS_KEY.length);
  return end < 0 ? NaN : Date.parse(json.slice(at + TS_KEY.length, end));
}
