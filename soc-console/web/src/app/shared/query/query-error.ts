// Where to draw the marker for a query syntax error. The server reports a 1-based column counted in
// Unicode code points; the marker sits under a monospace copy of the query, where CJK characters take two
// cells, so the caret's indent is measured in display cells, not code points.

export interface QueryErrorDetails {
  column: number;
  expected?: string[];
}

export interface QueryMarker {
  /** 1-based code-point column as reported (clamped into the query). */
  column: number;
  /** The query as code points split around the offending one (end of query → empty `at`). */
  before: string;
  at: string;
  after: string;
  /** Spaces, in display cells, before the caret. */
  indent: string;
  expected: string[];
}

/** East Asian wide/fullwidth ranges (CJK, Hangul, fullwidth forms): two monospace cells each. */
export function cellWidth(cp: number): 1 | 2 {
  return (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
    ? 2
    : 1;
}

/** Reads `details` of a 400 answer; anything not shaped like `{column: number}` gives null. */
export function parseQueryError(details: unknown): QueryErrorDetails | null {
  if (!details || typeof details !== 'object') return null;
  const d = details as Record<string, unknown>;
  if (typeof d['column'] !== 'number' || !Number.isFinite(d['column'])) return null;
  const expected = Array.isArray(d['expected']) ? d['expected'].filter((x): x is string => typeof x === 'string') : [];
  return { column: d['column'], expected };
}

export function queryMarker(query: string, details: QueryErrorDetails): QueryMarker {
  const cps = Array.from(query);
  const index = Math.min(Math.max(Math.trunc(details.column) - 1, 0), cps.length);
  const before = cps.slice(0, index);
  let cells = 0;
  for (const ch of before) cells += ch === '\t' ? 1 : cellWidth(ch.codePointAt(0)!);
  return {
    column: index + 1,
    before: before.join(''),
    at: cps[index] ?? '',
    after: cps.slice(index + 1).join(''),
    indent: ' '.repeat(cells),
    expected: details.expected ?? [],
  };
}
