import { fail } from './errors.js';

// Condition grammar (spec "Condition"): precedence or < and < not < "x of" < parentheses.
export type Cond =
  | { k: 'id'; name: string }
  | { k: 'and'; a: Cond[] }
  | { k: 'or'; a: Cond[] }
  | { k: 'not'; a: Cond }
  | { k: 'of'; all: boolean; names: string[]; pattern: string };

type Tok = { t: 'word'; v: string } | { t: '(' } | { t: ')' };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '(' || c === ')') {
      out.push({ t: c });
      i++;
    } else if (c === '|') {
      fail(`condition uses the deprecated aggregation syntax '| ...' (use a correlation rule instead): ${src}`);
    } else {
      const m = /^[A-Za-z0-9_*\-.]+/.exec(src.slice(i));
      if (!m) fail(`unexpected character '${c}' in condition: ${src}`);
      out.push({ t: 'word', v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

function globToRe(p: string): RegExp {
  return new RegExp('^' + p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$');
}

export function parseCondition(src: string, identifiers: string[]): Cond {
  if (typeof src !== 'string' || src.trim() === '') fail('condition is empty');
  const toks = tokenize(src);
  let pos = 0;
  const peekWord = (): string | null => {
    const t = toks[pos];
    return t && t.t === 'word' ? t.v.toLowerCase() : null;
  };
  const parseOr = (): Cond => {
    const parts = [parseAnd()];
    while (peekWord() === 'or') {
      pos++;
      parts.push(parseAnd());
    }
    return parts.length === 1 ? parts[0]! : { k: 'or', a: parts };
  };
  const parseAnd = (): Cond => {
    const parts = [parseNot()];
    while (peekWord() === 'and') {
      pos++;
      parts.push(parseNot());
    }
    return parts.length === 1 ? parts[0]! : { k: 'and', a: parts };
  };
  const parseNot = (): Cond => {
    if (peekWord() === 'not') {
      pos++;
      return { k: 'not', a: parseNot() };
    }
    return parseAtom();
  };
  const parseAtom = (): Cond => {
    const t = toks[pos];
    if (!t) fail(`condition ends unexpectedly: ${src}`);
    if (t.t === '(') {
      pos++;
      const e = parseOr();
      if (toks[pos]?.t !== ')') fail(`missing ')' in condition: ${src}`);
      pos++;
      return e;
    }
    if (t.t === ')') fail(`unexpected ')' in condition: ${src}`);
    const w = t.v;
    const lw = w.toLowerCase();
    if (lw === 'near') fail(`condition uses the deprecated 'near' operator: ${src}`);
    if (['and', 'or', 'not', 'of', 'them'].includes(lw)) fail(`unexpected '${w}' in condition: ${src}`);
    const next = toks[pos + 1];
    if (next && next.t === 'word' && next.v.toLowerCase() === 'of') {
      if (!['1', 'all', 'any'].includes(lw)) fail(`'${w} of' is not supported (only '1 of' and 'all of'): ${src}`);
      const target = toks[pos + 2];
      if (!target || target.t !== 'word') fail(`'${w} of' needs an identifier pattern or 'them': ${src}`);
      pos += 3;
      const pattern = target.v;
      const names =
        pattern.toLowerCase() === 'them'
          ? identifiers.filter((n) => !n.startsWith('_'))
          : identifiers.filter((n) => globToRe(pattern).test(n));
      if (names.length === 0) fail(`pattern '${pattern}' in condition matches no search identifier`);
      return { k: 'of', all: lw === 'all', names, pattern };
    }
    if (!identifiers.includes(w)) fail(`condition references undefined search identifier '${w}'`);
    pos++;
    return { k: 'id', name: w };
  };
  const e = parseOr();
  if (pos !== toks.length) fail(`unexpected trailing input in condition: ${src}`);
  return e;
}
