// A literal that every match of a regular expression must contain, for the rule index: a rule whose regex
// cannot match without "new user: name=" is only evaluated on events whose field contains that text.
// Conservative by construction: top-level alternation, groups, classes, escapes other than escaped
// punctuation, and quantified characters all end a run of required text; only ASCII is kept, so the
// lower-cased literal is guaranteed to occur in the lower-cased value whenever the regex matches (with or
// without the `i` flag: without `u`, case-insensitive ASCII letters only match ASCII letters).

/** Index of the character after the group or class that starts at `i` (or -1 when unbalanced). */
function skipBracketed(src: string, i: number): number {
  let depth = 0;
  let inClass = false;
  for (let k = i; k < src.length; k++) {
    const c = src[k]!;
    if (c === '\\') {
      k++;
      continue;
    }
    if (inClass) {
      if (c === ']') {
        inClass = false;
        if (depth === 0) return k + 1;
      }
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) return k + 1;
      if (depth < 0) return -1;
    }
  }
  return -1;
}

const QUANTIFIER = new Set(['*', '+', '?', '{']);

/** Longest required ASCII literal of the regex (lower-cased), or null when none of at least `min` chars. */
export function requiredLiteral(re: RegExp, min = 3): string | null {
  if (re.unicode || (re.flags as string).includes('v')) return null;
  const src = re.source;
  const runs: string[] = [];
  let run = '';
  const end = (): void => {
    if (run) runs.push(run);
    run = '';
  };
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '|') return null; // top-level alternation: no single required text
    if (QUANTIFIER.has(c)) {
      // The quantified atom (the run's last character) may be absent or repeated.
      run = run.slice(0, -1);
      end();
      if (c === '{') {
        const q = /^\{\d+(,\d*)?\}/.exec(src.slice(i));
        if (!q) return null; // a literal brace: not worth the ambiguity
        i += q[0].length;
      } else i++;
      continue;
    }
    if (c === '(' || c === '[') {
      end();
      const next = skipBracketed(src, i);
      if (next < 0) return null;
      i = next;
      continue;
    }
    let ch: string | null = null;
    let width = 1;
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) return null;
      width = 2;
      if (!/[A-Za-z0-9]/.test(n)) ch = n; // escaped punctuation is itself
      else {
        // Class, anchor, code point or back-reference escape, with its operand (\x41, \u00e9, \cJ, \k<n>,
        // \12); dropping text only makes the literal shorter, never wrong.
        end();
        i += 2;
        const operand = n === 'u' ? /^[0-9A-Fa-f]{0,4}/ : n === 'x' ? /^[0-9A-Fa-f]{0,2}/ : n === 'c' ? /^[A-Za-z]?/ : n === 'k' ? /^(<[^>]*>)?/ : /^[0-9]*/;
        i += operand.exec(src.slice(i))![0].length;
        continue;
      }
    } else if (c !== '.' && c !== '^' && c !== '$' && c !== ')' && c !== ']' && c !== '}') ch = c;
    i += width;
    if (ch === null || ch.charCodeAt(0) > 127) {
      end();
      continue;
    }
    // A following quantifier applies to this character only.
    if (i < src.length && QUANTIFIER.has(src[i]!)) {
      end();
      continue;
    }
    run += ch;
  }
  end();
  let best = '';
  for (const r of runs) if (r.length > best.length) best = r;
  return best.length >= min ? best.toLowerCase() : null;
}
