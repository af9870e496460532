/**
 * Message-parser registry. Selection: first by program (`process.name`, lower-cased), then by
 * each parser's cheap `match` test on the message, in registration order. The first parser
 * that returns true wins; a parser that throws is skipped and counted, never fatal.
 */
import { addTo, type EcsEvent, markFailure } from '../../sources/syslog/event.js';

/** Longest message handed to vendor parsers (characters); real device lines are far shorter. */
export const MAX_PARSE_LENGTH = 32768;

export interface MessageParser {
  name: string;
  /** Program names (lower case) this parser owns. */
  programs?: readonly string[];
  /** Cheap pre-check when the program did not select a parser. */
  match?: (msg: string, ev: EcsEvent) => boolean;
  /** Fill ECS fields; return false when the message is not of this kind. */
  parse: (ev: EcsEvent, msg: string) => boolean;
}

export class ParserRegistry {
  private readonly byProgram = new Map<string, MessageParser[]>();
  private readonly patterns: MessageParser[] = [];
  readonly errors = new Map<string, number>();

  register(p: MessageParser): this {
    for (const prog of p.programs ?? []) {
      const list = this.byProgram.get(prog) ?? [];
      list.push(p);
      this.byProgram.set(prog, list);
    }
    if (p.match) this.patterns.push(p);
    return this;
  }

  /** Run the matching parser on `ev.message`; returns the parser name or undefined. */
  parse(ev: EcsEvent): string | undefined {
    const msg = ev.message;
    if (typeof msg !== 'string' || msg.length === 0) return undefined;
    if (msg.length > MAX_PARSE_LENGTH) {
      // Regex-based extraction on very long text is a CPU-exhaustion risk; keep the event, skip vendor fields.
      addTo(ev, 'tags', '_message_too_long_to_parse');
      return undefined;
    }
    const prog = ev.process?.name;
    let tried: MessageParser[] | undefined;
    if (typeof prog === 'string') {
      const lower = prog.toLowerCase();
      const slash = lower.indexOf('/');
      // postfix/smtpd → postfix when no parser claims the sub-program itself
      const list = this.byProgram.get(lower) ?? (slash > 0 ? this.byProgram.get(lower.slice(0, slash)) : undefined);
      if (list) {
        tried = list;
        for (const p of list) if (this.run(p, ev, msg)) return p.name;
      }
    }
    for (const p of this.patterns) {
      if (tried !== undefined && tried.includes(p)) continue;
      let hit = false;
      try {
        hit = p.match!(msg, ev);
      } catch {
        hit = false;
      }
      if (hit && this.run(p, ev, msg)) return p.name;
    }
    return undefined;
  }

  private run(p: MessageParser, ev: EcsEvent, msg: string): boolean {
    try {
      return p.parse(ev, msg);
    } catch (e) {
      this.errors.set(p.name, (this.errors.get(p.name) ?? 0) + 1);
      markFailure(ev, `${p.name} parser error: ${(e as Error).message}`, '_message_parse_failure');
      return false;
    }
  }
}
