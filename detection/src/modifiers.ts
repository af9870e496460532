import { AhoCorasick } from './aho-corasick.js';
import { cidrContains, parseCidr } from './cidr.js';
import { fail } from './errors.js';
import { fieldId, type EvalContext } from './eval-context.js';
import {
  compileAnyStringMatch,
  compileStringMatch,
  isPlain,
  literal,
  parseSigmaString,
  plainText,
  type SigmaString,
  type Segment,
} from './sigma-string.js';
import { requiredLiteral } from './regex-literal.js';
import { parseTime, timePart, TIME_PARTS, type TimePart } from './time-parts.js';

export type Placeholders = Record<string, string[]>;

export interface CompileOptions {
  placeholders: Placeholders;
  /** IANA zone for time modifiers (custom rule field `timezone`). */
  timezone: string | null;
}

/** A compiled field test plus what the rule index needs to know about it. */
export interface FieldTest {
  match: (ctx: EvalContext) => boolean;
  fields: string[];
  /** The test can only be true when this field has a value. */
  requires: string | null;
  /** Case-insensitive exact values the field must equal (any of), usable as an index key. */
  equals: string[] | null;
  /** Lower-cased literals of which at least one must occur in the field (a necessary condition). */
  literals?: string[] | null;
}

const TRANSFORMS = new Set([
  'contains', 'startswith', 'endswith', 'base64', 'base64offset', 'utf16le', 'utf16be', 'utf16', 'wide', 'windash', 'expand',
]);
const FLAGS = new Set(['all', 'cased', 'neq']);
const COMPARE = new Set(['lt', 'lte', 'gt', 'gte']);
const RE_FLAGS = new Set(['i', 'm', 's']);
/** Our extension: certificate status lookup through the injected `statusLookup` hook. */
export const CERT_STATUS = 'certstatus';
const KNOWN = new Set([...TRANSFORMS, ...FLAGS, ...COMPARE, ...RE_FLAGS, ...TIME_PARTS, 're', 'cidr', 'exists', 'fieldref', CERT_STATUS]);

interface Val {
  s: SigmaString;
  /** Bytes held as latin1 code units (after utf16 encoding). */
  bin: boolean;
}

function describe(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v;
}

function toBytes(v: Val): Buffer {
  const t = plainText(v.s);
  return v.bin ? Buffer.from(t, 'latin1') : Buffer.from(t, 'utf8');
}

function needPlain(v: Val, mod: string): void {
  if (!isPlain(v.s)) fail(`modifier '${mod}' cannot encode a value containing wildcards`);
}

function encodeUtf16(text: string, be: boolean, bom: boolean): string {
  const le = Buffer.from(text, 'utf16le');
  if (be) le.swap16();
  const bytes = bom ? Buffer.concat([Buffer.from(be ? [0xfe, 0xff] : [0xff, 0xfe]), le]) : le;
  return bytes.toString('latin1');
}

/** base64offset: the three encodings of the value at byte offsets 0..2, trimmed to their stable middle. */
function base64Offsets(bytes: Buffer): string[] {
  const startOff = [0, 2, 3];
  const endOff = [0, -3, -2];
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    const b64 = Buffer.concat([Buffer.alloc(i, 0x20), bytes]).toString('base64');
    const end = endOff[(bytes.length + i) % 3]!;
    out.push(b64.slice(startOff[i], end === 0 ? undefined : end));
  }
  return out;
}

function windash(s: SigmaString): SigmaString {
  const out: Segment[] = [];
  for (const seg of s) {
    if (seg.t !== 'lit') {
      out.push(seg);
      continue;
    }
    let buf = '';
    for (const ch of seg.v) {
      if (ch === '-' || ch === '/' || ch === '\u2013' || ch === '\u2014' || ch === '\u2015') {
        if (buf) out.push({ t: 'lit', v: buf });
        buf = '';
        out.push({ t: 'dash' });
      } else buf += ch;
    }
    if (buf) out.push({ t: 'lit', v: buf });
  }
  return out;
}

/** Replace %name% placeholders (expand modifier); `\%` keeps a literal percent sign. */
function expandPlaceholders(raw: string, ph: Placeholders): SigmaString[] {
  let variants: string[] = [''];
  let i = 0;
  let lit = '';
  const flushLit = (): void => {
    if (lit) variants = variants.map((v) => v + lit);
    lit = '';
  };
  while (i < raw.length) {
    const c = raw[i]!;
    if (c === '\\' && raw[i + 1] === '%') {
      lit += '%';
      i += 2;
      continue;
    }
    if (c === '%') {
      const end = raw.indexOf('%', i + 1);
      if (end < 0) {
        lit += c;
        i++;
        continue;
      }
      const name = raw.slice(i + 1, end);
      const values = ph[name] ?? ph[name.toLowerCase()];
      if (!values) fail(`unknown placeholder '%${name}%' (define it in policies/detection-placeholders.yaml)`);
      if (values.length === 0) fail(`placeholder '%${name}%' has no values`);
      flushLit();
      // Placeholder values keep their own wildcards; literal parts are escaped later as Sigma text.
      variants = variants.flatMap((v) => values.map((x) => v + '\u0000' + x + '\u0000'));
      i = end + 1;
      continue;
    }
    lit += c;
    i++;
  }
  flushLit();
  if (variants.length > 4096) fail('placeholder expansion produces more than 4096 values');
  return variants.map((v) => {
    const parts = v.split('\u0000');
    const out: SigmaString = [];
    parts.forEach((p, idx) => {
      // Odd indexes are placeholder values (wildcards active); even ones are rule text.
      const segs = idx % 2 === 1 ? parseSigmaString(p) : parseSigmaString(p);
      for (const s of segs) {
        const last = out[out.length - 1];
        if (s.t === 'lit' && last && last.t === 'lit') last.v += s.v;
        else out.push({ ...s });
      }
    });
    return out;
  });
}

function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && v.trim() !== '' && v.length < 40) {
    const n = Number(v);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function compare(op: string, a: number, b: number): boolean {
  switch (op) {
    case 'lt': return a < b;
    case 'lte': return a <= b;
    case 'gt': return a > b;
    case 'gte': return a >= b;
    default: return a === b;
  }
}

/** Translate the PCRE subset allowed by the spec to a JS RegExp; leading inline flags become JS flags. */
export function compilePcre(src: string, flags: Set<string>): RegExp {
  let body = src;
  const f = new Set(flags);
  const inline = /^\(\?([imsx]+)\)/.exec(body);
  if (inline) {
    for (const ch of inline[1]!) {
      if (ch === 'x') fail(`regular expression uses unsupported inline flag 'x': ${src}`);
      f.add(ch);
    }
    body = body.slice(inline[0].length);
  }
  if (/\(\?[imsx-]+[:)]/.test(body)) fail(`regular expression uses unsupported scoped inline flags: ${src}`);
  if (/\(\?P?<[A-Za-z]/.test(body) && /\(\?P</.test(body)) body = body.replace(/\(\?P</g, '(?<');
  if (/\\[AZz]/.test(body)) fail(`regular expression uses unsupported anchor \\A, \\Z or \\z: ${src}`);
  if (/\(\?>|[*+?}]\+/.test(body)) fail(`regular expression uses atomic groups or possessive quantifiers: ${src}`);
  try {
    return new RegExp(body, [...f].sort().join(''));
  } catch (e) {
    return fail(`invalid regular expression ${JSON.stringify(src)}: ${(e as Error).message}`);
  }
}


export function compileFieldTest(field: string | null, mods: string[], raw: unknown, opts: CompileOptions): FieldTest {
  for (const m of mods) if (!KNOWN.has(m)) fail(`unknown modifier '${m}'`);
  if (new Set(mods).size !== mods.length) fail(`duplicate modifier in '${mods.join('|')}'`);
  const has = (m: string): boolean => mods.includes(m);
  const fields = field === null ? [] : [field];
  // Field lookups resolved once here, not per event.
  const fid = field === null ? -1 : fieldId(field);
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) fail(`empty value list for '${field ?? 'keywords'}'`);
  for (const v of list) {
    if (v !== null && typeof v === 'object') fail(`value of type ${describe(v)} not allowed for '${field ?? 'keywords'}'`);
  }
  if (has('all') && list.length < 2 && !has('expand')) fail(`modifier 'all' requires a list with more than one value`);
  const neq = has('neq');
  const cased = has('cased');
  const combineAll = has('all');
  const wrap = (one: (ctx: EvalContext, i: number) => boolean, n: number, req: string | null, equals: string[] | null): FieldTest => {
    let m: (ctx: EvalContext) => boolean;
    if (n === 1) m = (ctx) => one(ctx, 0);
    else if (combineAll) m = (ctx) => { for (let i = 0; i < n; i++) if (!one(ctx, i)) return false; return true; };
    else m = (ctx) => { for (let i = 0; i < n; i++) if (one(ctx, i)) return true; return false; };
    if (neq) {
      const inner = m;
      return { match: (ctx) => !inner(ctx), fields, requires: null, equals: null };
    }
    return { match: m, fields, requires: req, equals };
  };

  // exists: presence only.
  if (has('exists')) {
    if (mods.length !== 1) fail(`modifier 'exists' cannot be combined with other modifiers`);
    if (field === null) fail(`modifier 'exists' needs a field name`);
    if (list.length !== 1 || typeof list[0] !== 'boolean') fail(`modifier 'exists' expects true or false`);
    const want = list[0] as boolean;
    // Not indexed by presence: a field holding null exists but has no value.
    return { match: (ctx) => ctx.existsOf(fid) === want, fields, requires: null, equals: null };
  }
  if (field === null) {
    for (const m of mods) {
      if (!['all', 'cased', 'contains', 'startswith', 'endswith', 're', 'i', 'm', 's', 'windash', 'base64', 'base64offset', 'utf16le', 'utf16be', 'utf16', 'wide', 'expand'].includes(m))
        fail(`modifier '${m}' is not applicable to keyword search`);
    }
  }

  if (has(CERT_STATUS)) {
    const others = mods.filter((m) => m !== CERT_STATUS && m !== 'neq');
    if (others.length) fail(`modifier '${CERT_STATUS}' cannot be combined with '${others.join('|')}'`);
    if (field === null) fail(`modifier '${CERT_STATUS}' needs a field name`);
    const wanted = list.map((v) => String(v).toLowerCase());
    const key = /sha256|fingerprint|hash/i.test(field) ? 'sha256' : 'serial';
    const one = (ctx: EvalContext, i: number): boolean => {
      const look = ctx.statusLookup;
      if (!look) return false;
      for (const v of ctx.stringsOf(fid)) {
        let st: string | undefined | null;
        try {
          st = look({ [key]: v, field, value: v });
        } catch {
          st = undefined;
        }
        if (st && st.toLowerCase() === wanted[i]) return true;
      }
      return false;
    };
    return wrap(one, wanted.length, field, null);
  }

  if (has('fieldref')) {
    if (field === null) fail(`modifier 'fieldref' needs a field name`);
    const allowed = new Set(['fieldref', 'neq', 'cased', 'contains', 'startswith', 'endswith', 'all']);
    for (const m of mods) if (!allowed.has(m)) fail(`modifier '${m}' cannot be combined with 'fieldref'`);
    const refs = list.map((v) => {
      if (typeof v !== 'string' || v === '') fail(`modifier 'fieldref' expects field names`);
      return v as string;
    });
    const refIds = refs.map(fieldId);
    const mode = has('contains') ? 'c' : has('startswith') ? 's' : has('endswith') ? 'e' : '=';
    const one = (ctx: EvalContext, i: number): boolean => {
      const a = cased ? ctx.stringsOf(fid) : ctx.lowerOf(fid);
      const b = cased ? ctx.stringsOf(refIds[i]!) : ctx.lowerOf(refIds[i]!);
      for (const x of a)
        for (const y of b) {
          if (mode === '=' ? x === y : mode === 'c' ? x.includes(y) : mode === 's' ? x.startsWith(y) : x.endsWith(y)) return true;
        }
      return false;
    };
    return { ...wrap(one, refs.length, field, null), fields: [field, ...refs] };
  }

  const cmp = mods.find((m) => COMPARE.has(m));
  const tpart = mods.find((m) => TIME_PARTS.has(m)) as TimePart | undefined;
  if (cmp || tpart) {
    const allowed = new Set([...COMPARE, ...TIME_PARTS, 'neq', 'all']);
    for (const m of mods) if (!allowed.has(m)) fail(`modifier '${m}' cannot be combined with '${cmp ?? tpart}'`);
    if (mods.filter((m) => COMPARE.has(m)).length > 1) fail(`only one of lt/lte/gt/gte per value`);
    if (mods.filter((m) => TIME_PARTS.has(m)).length > 1) fail(`only one time modifier per value`);
    if (field === null) fail(`modifier '${cmp ?? tpart}' needs a field name`);
    const nums = list.map((v) => {
      const n = toNumber(v);
      if (n === null) fail(`modifier '${cmp ?? tpart}' expects a numeric value, got ${JSON.stringify(v)}`);
      return n;
    });
    const op = cmp ?? 'eq';
    const tz = opts.timezone;
    const one = (ctx: EvalContext, i: number): boolean => {
      for (const x of ctx.valuesOf(fid)) {
        let n: number | null;
        if (tpart) {
          const t = parseTime(x);
          n = t === null ? null : timePart(t, tpart, tz);
        } else n = toNumber(x);
        if (n !== null && compare(op, n, nums[i]!)) return true;
      }
      return false;
    };
    return wrap(one, nums.length, field, null);
  }

  if (has('cidr')) {
    for (const m of mods) if (!['cidr', 'neq', 'all'].includes(m)) fail(`modifier '${m}' cannot be combined with 'cidr'`);
    if (field === null) fail(`modifier 'cidr' needs a field name`);
    const nets = list.map((v) => {
      const c = typeof v === 'string' ? parseCidr(v) : null;
      if (!c) fail(`invalid CIDR value ${JSON.stringify(v)}`);
      return c;
    });
    const one = (ctx: EvalContext, i: number): boolean => {
      for (const s of ctx.stringsOf(fid)) if (cidrContains(nets[i]!, s)) return true;
      return false;
    };
    return wrap(one, nets.length, field, null);
  }

  if (has('re')) {
    for (const m of mods) if (!['re', 'i', 'm', 's', 'neq', 'all'].includes(m)) fail(`modifier '${m}' cannot be combined with 're'`);
    const flags = new Set(mods.filter((m) => RE_FLAGS.has(m)));
    const res = list.map((v) => {
      if (typeof v !== 'string') fail(`modifier 're' expects a string, got ${describe(v)}`);
      return compilePcre(v as string, flags);
    });
    const one = (ctx: EvalContext, i: number): boolean => {
      const re = res[i]!;
      for (const s of field === null ? ctx.keywords(false) : ctx.stringsOf(fid)) if (re.test(s)) return true;
      return false;
    };
    const t = wrap(one, res.length, field, null);
    // The required text of each pattern lets the index skip events that cannot match.
    const lits = res.map((re) => requiredLiteral(re));
    if (!neq && lits.every((l) => l !== null)) t.literals = indexLiterals(lits as string[], combineAll);
    return t;
  }
  for (const m of mods) if (RE_FLAGS.has(m)) fail(`modifier '${m}' is only valid after 're'`);

  // null: field absent or null.
  if (list.some((v) => v === null)) {
    if (list.length > 1) fail(`null cannot be part of a value list for '${field ?? 'keywords'}'`);
    if (mods.filter((m) => m !== 'neq').length) fail(`null value cannot take modifiers '${mods.join('|')}'`);
    if (field === null) fail(`null is not a keyword`);
    const isNull = (ctx: EvalContext): boolean => ctx.valuesOf(fid).length === 0;
    return neq ? { match: (c) => !isNull(c), fields, requires: field, equals: null } : { match: isNull, fields, requires: null, equals: null };
  }

  // String pipeline: apply transformation modifiers in the order written.
  let vals: Val[] = [];
  const firstIsExpand = mods.includes('expand');
  for (const v of list) {
    if (typeof v === 'string') {
      if (firstIsExpand) for (const s of expandPlaceholders(v, opts.placeholders)) vals.push({ s, bin: false });
      else vals.push({ s: parseSigmaString(v), bin: false });
    } else vals.push({ s: literal(String(v)), bin: false });
  }
  for (const m of mods) {
    switch (m) {
      case 'contains':
        vals = vals.map((v) => ({ ...v, s: [...(v.s[0]?.t === 'any' ? [] : [{ t: 'any' } as Segment]), ...v.s, ...(v.s[v.s.length - 1]?.t === 'any' ? [] : [{ t: 'any' } as Segment])] }));
        break;
      case 'startswith':
        vals = vals.map((v) => ({ ...v, s: v.s[v.s.length - 1]?.t === 'any' ? v.s : [...v.s, { t: 'any' }] }));
        break;
      case 'endswith':
        vals = vals.map((v) => ({ ...v, s: v.s[0]?.t === 'any' ? v.s : [{ t: 'any' }, ...v.s] }));
        break;
      case 'base64':
        vals = vals.map((v) => (needPlain(v, m), { s: literal(toBytes(v).toString('base64')), bin: false }));
        break;
      case 'base64offset':
        vals = vals.flatMap((v) => (needPlain(v, m), base64Offsets(toBytes(v)).map((x) => ({ s: literal(x), bin: false }))));
        break;
      case 'utf16le':
      case 'wide':
      case 'utf16be':
      case 'utf16':
        vals = vals.map((v) => {
          needPlain(v, m);
          if (v.bin) fail(`modifier '${m}' applied to an already encoded value`);
          return { s: literal(encodeUtf16(plainText(v.s), m === 'utf16be', m === 'utf16')), bin: true };
        });
        break;
      case 'windash':
        vals = vals.map((v) => ({ ...v, s: windash(v.s) }));
        break;
    }
  }
  // Keywords are full-text searches: a bare keyword matches anywhere in the searched text.
  if (field === null) {
    vals = vals.map((v) => ({ ...v, s: [...(v.s[0]?.t === 'any' ? [] : [{ t: 'any' } as Segment]), ...v.s, ...(v.s[v.s.length - 1]?.t === 'any' ? [] : [{ t: 'any' } as Segment])] }));
  }
  const longest = vals.map((v) => longestLiteral(v.s).toLowerCase());
  const literals = neq || longest.some((l) => l === '') ? null : indexLiterals(longest, combineAll);
  const equals = !cased && !neq && !combineAll && field !== null && vals.every((v) => isPlain(v.s)) ? vals.map((v) => plainText(v.s).toLowerCase()) : null;
  // Values are fetched once per test, then every pattern is tried (OR) or required (all).
  const get: (ctx: EvalContext) => string[] =
    field === null ? (ctx) => ctx.keywords(!cased) : cased ? (ctx) => ctx.stringsOf(fid) : (ctx) => ctx.lowerOf(fid);
  let match: (ctx: EvalContext) => boolean;
  const containsOnly = vals.every((v) => v.s.length === 3 && v.s[0]!.t === 'any' && v.s[1]!.t === 'lit' && v.s[2]!.t === 'any');
  if (!combineAll && containsOnly && vals.length >= 4) {
    // Long `contains` lists: one Aho-Corasick pass instead of one includes() per value.
    const ac = new AhoCorasick<true>();
    for (const v of vals) ac.add(cased ? (v.s[1] as { v: string }).v : (v.s[1] as { v: string }).v.toLowerCase(), true);
    ac.build();
    match = (ctx) => {
      const vs = get(ctx);
      for (let i = 0; i < vs.length; i++) if (ac.has(vs[i]!)) return true;
      return false;
    };
  } else if (!combineAll) {
    const any = compileAnyStringMatch(vals.map((v) => v.s), cased);
    match = (ctx) => {
      const vs = get(ctx);
      for (let i = 0; i < vs.length; i++) if (any(vs[i]!)) return true;
      return false;
    };
  } else {
    const matchers = vals.map((v) => compileStringMatch(v.s, cased));
    match = (ctx) => {
      const vs = get(ctx);
      outer: for (let k = 0; k < matchers.length; k++) {
        for (let i = 0; i < vs.length; i++) if (matchers[k]!(vs[i]!)) continue outer;
        return false;
      }
      return true;
    };
  }
  if (neq) {
    const inner = match;
    return { match: (ctx) => !inner(ctx), fields, requires: null, equals: null, literals: null };
  }
  return { match, fields, requires: field, equals, literals };
}

/** Literals for the rule index, one per pattern: any of them for OR; for `all`, the longest one suffices. */
function indexLiterals(lits: string[], combineAll: boolean): string[] {
  return combineAll ? [lits.reduce((a, b) => (b.length > a.length ? b : a))] : lits;
}

function longestLiteral(s: SigmaString): string {
  let best = '';
  for (const seg of s) if (seg.t === 'lit' && seg.v.length > best.length) best = seg.v;
  return best;
}
