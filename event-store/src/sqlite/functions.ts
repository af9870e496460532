/** SQL functions the compiled queries rely on (registered on every connection). */
import type Database from 'better-sqlite3';
import { formatIp, parseIp } from '../schema/ip.js';
import { parseDateMs } from '../schema/document.js';
import { textForIndex, textTokens, wildcardToRegExp } from '../schema/text.js';
import { idKey } from './id-key.js';

const regexCache = new Map<string, RegExp>();
function cachedRegExp(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    if (regexCache.size > 256) regexCache.clear();
    re = wildcardToRegExp(pattern);
    regexCache.set(pattern, re);
  }
  return re;
}

export function registerFunctions(db: Database.Database): void {
  const opts = { deterministic: true, varargs: false } as const;
  db.function('emsoc_id_key', opts, (v: unknown) => (typeof v === 'string' ? idKey(v) : null));
  db.function('emsoc_ip', opts, (v: unknown) => (typeof v === 'string' ? parseIp(v) ?? null : null));
  db.function('emsoc_ip_text', opts, (v: unknown) => (Buffer.isBuffer(v) && v.length === 16 ? formatIp(v) : null));
  db.function('emsoc_date_ms', opts, (v: unknown) =>
    typeof v === 'string' || typeof v === 'number' ? parseDateMs(v) ?? null : null);
  // The text FTS5 indexes for a message (Han characters split apart); NULL for anything but a string.
  db.function('emsoc_text_for_index', opts, (v: unknown) => (typeof v === 'string' ? textForIndex(v) : null));
  // Phrase match over the shared text analysis: the token sequence occurs contiguously.
  db.function('emsoc_text_phrase', opts, (text: unknown, phrase: unknown) => {
    if (typeof text !== 'string' || typeof phrase !== 'string') return 0;
    return ` ${textTokens(text).join(' ')} `.includes(` ${phrase} `) ? 1 : 0;
  });
  // Wildcard over individual tokens, as Elasticsearch's wildcard query on a text field.
  db.function('emsoc_text_glob', opts, (text: unknown, pattern: unknown) => {
    if (typeof text !== 'string' || typeof pattern !== 'string') return 0;
    const re = cachedRegExp(pattern);
    return textTokens(text).some((t) => re.test(t)) ? 1 : 0;
  });
}
