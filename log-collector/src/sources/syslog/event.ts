/**
 * Events are plain nested ECS objects (`{ source: { ip } }`, not dotted keys) so they
 * serialise directly to the JSON the event store and detection engine read.
 */
export type EcsEvent = Record<string, any>;

/** The object at `ev[key]`, created when absent. */
export function sub(ev: EcsEvent, key: string): EcsEvent {
  let o = ev[key];
  if (o === undefined || o === null || typeof o !== 'object') {
    o = {};
    ev[key] = o;
  }
  return o as EcsEvent;
}

/** Set a dotted path (`'source.asset.org_unit'`), creating objects on the way. */
export function setPath(ev: EcsEvent, path: string, value: unknown): void {
  if (value === undefined) return;
  let o = ev;
  let start = 0;
  for (let dot = path.indexOf('.'); dot >= 0; dot = path.indexOf('.', start)) {
    o = sub(o, path.slice(start, dot));
    start = dot + 1;
  }
  o[path.slice(start)] = value;
}

/** Read a dotted path; undefined when any step is missing. */
export function getPath(ev: EcsEvent, path: string): unknown {
  let o: unknown = ev;
  let start = 0;
  for (;;) {
    if (o === null || typeof o !== 'object') return undefined;
    const dot = path.indexOf('.', start);
    const key = dot < 0 ? path.slice(start) : path.slice(start, dot);
    o = (o as EcsEvent)[key];
    if (dot < 0) return o;
    start = dot + 1;
  }
}

/** Append to an array field without duplicates. */
export function addTo(ev: EcsEvent, key: string, value: string): void {
  const cur = ev[key];
  if (Array.isArray(cur)) {
    if (!cur.includes(value)) cur.push(value);
  } else {
    ev[key] = [value];
  }
}

export const PARSE_FAILURE_TAG = '_syslog_parse_failure';

/** Record a parse problem on the event; the event is still delivered. */
export function markFailure(ev: EcsEvent, message: string, tag = PARSE_FAILURE_TAG): void {
  const err = sub(ev, 'error');
  err.message = err.message ? `${err.message}; ${message}` : message;
  addTo(ev, 'tags', tag);
}
