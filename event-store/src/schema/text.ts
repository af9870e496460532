/**
 * Free-text analysis shared by both engines so that they match the same documents: lowercase, every Han
 * character is its own token (Chinese has no spaces), otherwise tokens are runs of letters and digits.
 * SQLite's FTS5 `unicode61` tokenizer indexes `textForIndex()`; the Elasticsearch template declares the
 * equivalent analyzer (`emsoc_text`: a Han-spacing char filter + pattern tokenizer + lowercase).
 */
const HAN = /(\p{Script=Han})/gu;
const SEPARATORS = /[^\p{L}\p{N}]+/u;

export function textForIndex(text: string): string {
  return text.replace(HAN, ' $1 ');
}

export function textTokens(text: string): string[] {
  return textForIndex(text).toLowerCase().split(SEPARATORS).filter(Boolean);
}

/** Analysis settings for the Elasticsearch/OpenSearch index templates (mirror of the functions above). */
export const ES_TEXT_ANALYSIS = {
  char_filter: {
    emsoc_han_split: { type: 'pattern_replace', pattern: '(\\p{IsHan})', replacement: ' $1 ' },
  },
  tokenizer: {
    emsoc_alnum: { type: 'pattern', pattern: '[^\\p{L}\\p{N}]+' },
  },
  analyzer: {
    emsoc_text: { type: 'custom', char_filter: ['emsoc_han_split'], tokenizer: 'emsoc_alnum', filter: ['lowercase'] },
  },
} as const;

/** Converts a wildcard pattern (`*`, `?`, `\` escapes) into an anchored RegExp. */
export function wildcardToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (c === '*') re += '[\\s\\S]*';
    else if (c === '?') re += '[\\s\\S]';
    else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`, 'u');
}

function escapeRe(c: string): string {
  return /[\\^$.*+?()[\]{}|/-]/.test(c) ? '\\' + c : c;
}
