import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RowCounter, readExport, totalFromHeader, type ExportProgress } from '../src/app/shared/export/export-stream.js';

const enc = new TextEncoder();

/** A streamed Response delivering `text` in pieces of `size` bytes (splitting multi-byte characters too). */
function streamed(text: string, size: number, total?: number): Response {
  const bytes = enc.encode(text);
  let at = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= bytes.length) return c.close();
      c.enqueue(bytes.slice(at, at + size));
      at += size;
    },
  });
  return new Response(body, { headers: total === undefined ? {} : { 'X-Total-Count': String(total) } });
}

test('NDJSON rows are counted across chunk boundaries, with or without a trailing newline', () => {
  for (const size of [1, 3, 7, 1024]) {
    const c = new RowCounter('ndjson');
    const bytes = enc.encode('{"a":1}\n{"a":"二"}\r\n\n{"a":3}');
    for (let i = 0; i < bytes.length; i += size) c.push(bytes.slice(i, i + size));
    assert.equal(c.finish(), 3, `chunk size ${size}`);
  }
});

test('CSV: the header is not a row and quoted newlines do not end a record', () => {
  const c = new RowCounter('csv');
  c.push(enc.encode('@timestamp,message\n2026-11-29T00:00:00Z,"line one\nline two"\n2026-11-29T00:00:01Z,"say ""hi""\n"\n'));
  assert.equal(c.finish(), 2);
  const empty = new RowCounter('csv');
  empty.push(enc.encode('@timestamp,message\n'));
  assert.equal(empty.finish(), 0);
});

test('progress is reported against X-Total-Count and reaches 1 at the end', async () => {
  const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify({ i, msg: '日志' })).join('\n') + '\n';
  const seen: ExportProgress[] = [];
  const out = await readExport(streamed(lines, 64, 50), 'ndjson', (p) => seen.push(p));
  assert.equal(out.rows, 50);
  assert.equal(out.total, 50);
  assert.ok(seen.length > 5, 'progress after every chunk');
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.rows >= seen[i - 1]!.rows, 'monotonic');
  assert.equal(seen.at(-1)!.fraction, 1);
  assert.equal(seen.at(-1)!.bytes, enc.encode(lines).length);
  assert.equal(new TextDecoder().decode(Buffer.concat(out.parts)), lines, 'bytes kept intact');
});

test('no or bad total: fraction unknown; zero total: complete', async () => {
  const seen: ExportProgress[] = [];
  await readExport(streamed('a,b\n1,2\n', 4), 'csv', (p) => seen.push(p));
  assert.equal(seen.at(-1)!.fraction, null);
  assert.equal(seen.at(-1)!.rows, 1);
  assert.equal(totalFromHeader('12'), 12);
  assert.equal(totalFromHeader('-1'), null);
  assert.equal(totalFromHeader('1e3'), null);
  assert.equal(totalFromHeader(null), null);
  const zero: ExportProgress[] = [];
  await readExport(streamed('a,b\n', 4, 0), 'csv', (p) => zero.push(p));
  assert.equal(zero.at(-1)!.fraction, 1);
});
