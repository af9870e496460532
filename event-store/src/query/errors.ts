import { QuerySyntaxError } from '../contract.js';

/** Columns count Unicode code points, as an analyst sees them, not UTF-16 units. */
export function columnOf(text: string, offset: number): number {
  let col = 1;
  for (let i = 0; i < offset && i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < offset) i++;
    col++;
  }
  return col;
}

export function syntaxError(text: string, offset: number, problem: string, expected: string[]): QuerySyntaxError {
  const column = columnOf(text, offset);
  const exp = expected.length ? `; expected ${expected.join(' or ')}` : '';
  return new QuerySyntaxError(`${problem} at column ${column}${exp}`, column, expected);
}
