/**
 * Hostile input cannot escape the compilers: values only travel as bound SQL parameters or as JSON
 * values inside built objects; field names are validated; nothing produces a script.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { parseQuery } from '../../src/query/parser.js';
import { toSql } from '../../src/query/to-sql.js';
import { toEs } from '../../src/query/to-es.js';
import { QuerySyntaxError } from '../../src/contract.js';
import { SqliteEventStore } from '../../src/sqlite/store.js';

const PAYLOADS = [
  "'; DROP TABLE ds_events; --",
  '" OR 1=1 --',
  "x' UNION SELECT doc FROM ds_audit --",
  '{"script":{"source":"System.exit(0)"}}',
  '<script>alert(1)</script>',
  'ctx._source.x = 1; params',
  '$.a"]; DELETE FROM ds_events',
  '\u0000\u0001\u202e\uFEFFñ𝄞登录',
  '${7*7}{{7*7}}',
  'Robert\'); DROP TABLE ds_events;--',
];

/** Builds queries that carry each payload in every value position the language has. */
function hostileQueries(p: string): string[] {
  const q = JSON.stringify(p); // a quoted phrase with escapes
  return [q, `user.name:${q}`, `message:${q}`, `tags:${q} OR host.hostname:${q}`, `user.name:[${q} TO ${q}]`, `NOT labels.x:${q}`, `user.name > ${q}`];
}

function walk(v: unknown, visit: (k: string, v: unknown) => void): void {
  if (Array.isArray(v)) v.forEach((x) => walk(x, visit));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { visit(k, x); walk(x, visit); }
}

describe('hostile query input', () => {
  let store: SqliteEventStore;
  before(async () => {
    store = new SqliteEventStore({ path: ':memory:' });
    await store.init();
    await store.bulk('events', [{ id: 'a', doc: { '@timestamp': '2026-01-01T00:00:00Z', message: 'hello', user: { name: 'alice' } } }]);
  });
  after(() => store.close());

  for (const p of PAYLOADS) {
    it(`keeps ${JSON.stringify(p).slice(0, 40)} out of SQL text and scripts out of the DSL`, async () => {
      for (const query of hostileQueries(p)) {
        const ast = parseQuery(query);
        const sql = toSql(ast, { src: query, ftsTable: 'ds_events_fts' });
        const probe = p.replace(/[^A-Za-z]/g, '').slice(0, 12);
        if (probe.length >= 4) assert.ok(!sql.sql.includes(probe), `SQL text contains the value: ${sql.sql}`);
        assert.ok(!sql.sql.includes(p), sql.sql);
        assert.ok(/^[\w\s()=<>?.,'*"$|]+$/.test(sql.sql) || !sql.sql.includes(';'), sql.sql);
        const dsl = toEs(ast, query);
        walk(dsl, (k) => assert.ok(!['script', 'script_score', 'runtime_mappings', 'function_score', 'query_string'].includes(k), `DSL key ${k}`));
        // the engine runs it, finds nothing hostile, and the table is intact
        await store.search({ dataset: 'events', query, size: 5 });
        assert.equal(await store.count({ dataset: 'events' }), 1);
      }
    });
  }

  it('rejects hostile field names instead of mapping them to SQL or JSON paths', () => {
    for (const f of ['a;DROP', 'x"y', "x'y", 'a..b', '.a', 'a[0]', '$.a', 'a b', '_source', '__proto__', 'a-b.c']) {
      assert.throws(() => parseQuery(`${f.replace(/ /g, '\\ ')}:1`), QuerySyntaxError, f);
    }
  });

  it('refuses 1 MB strings and deep nesting quickly with a syntax error', () => {
    const t0 = Date.now();
    assert.throws(() => parseQuery('message:"' + 'x'.repeat(1 << 20) + '"'), /longer than 32768/);
    assert.throws(() => parseQuery('('.repeat(10_000) + 'a' + ')'.repeat(10_000)), /nested deeper/);
    assert.throws(() => parseQuery('NOT '.repeat(5_000) + 'a'), /nested deeper/);
    assert.throws(() => parseQuery('a:' + '('.repeat(5_000)), /nested deeper/);
    assert.ok(Date.now() - t0 < 2_000);
  });

  it('treats SQL/FTS syntax in free text as plain tokens', async () => {
    for (const q of ['"hello" OR "x', 'NEAR(hello x)', 'hello*', '"hello" -- ', 'message:"* OR 1"']) {
      try { await store.search({ dataset: 'events', query: q }); } catch (e) { assert.ok(e instanceof QuerySyntaxError, String(e)); }
    }
    assert.equal((await store.search({ dataset: 'events', query: 'message:"hello"' })).total, 1);
    assert.equal((await store.search({ dataset: 'events', query: '"NEAR(hello"' })).total, 0);
  });
});
