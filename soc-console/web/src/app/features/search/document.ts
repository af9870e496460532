// Reading ECS documents that may be nested ({source: {ip}}) or flat ({"source.ip"}), or both.

export function getField(doc: unknown, path: string): unknown {
  if (!doc || typeof doc !== 'object') return undefined;
  const o = doc as Record<string, unknown>;
  if (Object.hasOwn(o, path)) return o[path];
  const dot = path.indexOf('.');
  if (dot < 0) return undefined;
  // Try every split point: "source.asset.org_unit" may be nested at any depth.
  for (let i = dot; i >= 0; i = path.indexOf('.', i + 1)) {
    const head = path.slice(0, i);
    if (Object.hasOwn(o, head)) {
      const v = getField(o[head], path.slice(i + 1));
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

const SUMMARY_FIELDS = ['event.action', 'event.outcome', 'source.ip', 'destination.ip', 'destination.port', 'user.name', 'host.name', 'rule.name'];

/** One line per row: the message if there is one, else the key fields that are present. */
export function summarize(doc: Record<string, unknown>, max = 240): string {
  const message = getField(doc, 'message');
  let text: string;
  if (typeof message === 'string' && message) text = message;
  else {
    text = SUMMARY_FIELDS.map((f) => [f, getField(doc, f)] as const)
      .filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([f, v]) => `${f}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
      .join('  ');
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
