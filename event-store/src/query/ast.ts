/** AST of the analyst query language. Offsets are 0-based UTF-16 indices into the query text. */
export interface Span { start: number; end: number }

export interface Value extends Span {
  /** Literal text with escapes resolved. */
  text: string;
  quoted: boolean;
  /** Present when the unquoted value contains unescaped `*`/`?`: the pattern in wildcard syntax (`\` escapes). */
  pattern?: string;
}

export type RangeOp = 'gt' | 'gte' | 'lt' | 'lte';

export type Node =
  | ({ kind: 'all' } & Span)
  /** `field` undefined means free text over `message`. */
  | ({ kind: 'term'; field?: string; value: Value } & Span)
  | ({ kind: 'range'; field: string; bounds: Partial<Record<RangeOp, Value>> } & Span)
  | ({ kind: 'exists'; field: string } & Span)
  | ({ kind: 'and' | 'or'; children: Node[] } & Span)
  | ({ kind: 'not'; child: Node } & Span);
