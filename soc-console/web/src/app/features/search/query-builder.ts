// Builds query-language text from clicks (field sidebar, flows table, incident links). Values are always
// quoted phrases with `"` and `\` escaped, so whatever an event contains stays a value, never syntax.

export function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function fieldClause(field: string, value: unknown): string {
  return `${field}:${quote(String(value))}`;
}

export function anyOfClause(field: string, values: readonly unknown[]): string {
  if (values.length === 1) return fieldClause(field, values[0]);
  return `${field}:(${values.map((v) => quote(String(v))).join(' OR ')})`;
}

/** Top-level OR anywhere outside quotes/parentheses means the existing query must be wrapped before AND. */
function hasTopLevelOr(q: string): boolean {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < q.length; i++) {
    const c = q[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '"') quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && /^OR(?=[\s(]|$)/i.test(q.slice(i)) && (i === 0 || /\s|\)/.test(q[i - 1]!))) return true;
  }
  return false;
}

export function andClause(query: string, clause: string): string {
  const q = query.trim();
  if (!q) return clause;
  return hasTopLevelOr(q) ? `(${q}) AND ${clause}` : `${q} AND ${clause}`;
}

/** The clause negated (the sidebar's "exclude value" button). */
export function notClause(clause: string): string {
  return `NOT ${clause}`;
}
