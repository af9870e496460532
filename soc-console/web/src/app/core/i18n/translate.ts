// Pure translation logic (no Angular) so it can be tested with node:test.

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'zh-CN';
export const LANGUAGE_STORAGE_KEY = 'emsoc.lang';

/** A dictionary is a tree of strings; keys are dotted paths ("nav.search"). */
export interface Dictionary {
  [key: string]: string | Dictionary;
}

export function lookup(dict: Dictionary, key: string): string | undefined {
  let node: string | Dictionary | undefined = dict;
  for (const part of key.split('.')) {
    if (node === undefined || typeof node === 'string' || !Object.hasOwn(node, part)) return undefined;
    node = node[part];
  }
  return typeof node === 'string' ? node : undefined;
}

/**
 * Looks `key` up in `dict`, then in `fallback`, else returns the key itself (visible, never blank), and
 * substitutes `{name}` placeholders. Parameters are plain text: the result is only ever interpolated.
 */
export function translate(dict: Dictionary, fallback: Dictionary, key: string, params?: Record<string, unknown>): string {
  const text = lookup(dict, key) ?? lookup(fallback, key) ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name: string) => (Object.hasOwn(params, name) ? String(params[name]) : m));
}

/** Every dotted key of a dictionary (to check both languages cover the same keys). */
export function keysOf(dict: Dictionary, prefix = ''): string[] {
  return Object.entries(dict).flatMap(([k, v]) => (typeof v === 'string' ? [prefix + k] : keysOf(v, `${prefix}${k}.`)));
}

export function isLanguage(v: unknown): v is Language {
  return typeof v === 'string' && (LANGUAGES as readonly string[]).includes(v);
}

/** Minimal storage surface (localStorage in the browser, a Map in tests). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** The stored choice, else the default (zh-CN): the console is for Chinese departments first. */
export function initialLanguage(store: KeyValueStore | undefined): Language {
  try {
    const v = store?.getItem(LANGUAGE_STORAGE_KEY);
    return isLanguage(v) ? v : DEFAULT_LANGUAGE;
  } catch {
    return DEFAULT_LANGUAGE;
  }
}
