import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LANGUAGE, LANGUAGE_STORAGE_KEY, initialLanguage, keysOf, lookup, translate, type Dictionary } from '../src/app/core/i18n/translate.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '../src/app/core/i18n');
const load = (f: string) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Dictionary;
const zh = load('zh-CN.json');
const en = load('en.json');

test('both dictionaries define exactly the same keys, none empty', () => {
  const zk = keysOf(zh).sort();
  const ek = keysOf(en).sort();
  assert.deepEqual(zk.filter((k) => !ek.includes(k)), [], 'keys only in zh-CN');
  assert.deepEqual(ek.filter((k) => !zk.includes(k)), [], 'keys only in en');
  for (const k of zk) assert.ok(lookup(zh, k)!.trim() && lookup(en, k)!.trim(), `empty translation for ${k}`);
});

test('every key used in the templates and code exists in both dictionaries', () => {
  const src = path.join(dir, '../..');
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) files.push(p);
    }
  };
  walk(src);
  const keys = new Set<string>();
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    // Literal keys piped through `t` or passed to `t(...)`; dynamic ones ('status.' + x) are checked below.
    for (const m of text.matchAll(/'([a-z]+(?:\.[A-Za-z0-9_]+)+)'\s*\|\s*t\b/g)) keys.add(m[1]!);
    for (const m of text.matchAll(/\bt\('([a-z]+(?:\.[A-Za-z0-9_]+)+)'\)/g)) keys.add(m[1]!);
  }
  assert.ok(keys.size > 100, `found only ${keys.size} keys`);
  for (const k of keys) {
    assert.ok(lookup(zh, k), `zh-CN lacks ${k}`);
    assert.ok(lookup(en, k), `en lacks ${k}`);
  }
  // Dynamic families: every value the app can produce.
  for (const s of ['new', 'triaged', 'in_progress', 'resolved', 'false_positive']) assert.ok(lookup(en, `status.${s}`) && lookup(zh, `status.${s}`));
  for (const s of ['critical', 'high', 'medium', 'low', 'informational']) assert.ok(lookup(zh, `severity.${s}`));
  for (const p of ['15m', '1h', '24h', '7d', 'custom']) assert.ok(lookup(zh, `time.preset.${p}`));
  for (const by of ['source.ip', 'destination.ip', 'destination.port', 'source.asset.org_unit', 'destination.asset.org_unit']) {
    assert.ok(lookup(zh, `flows.by.${by}`) && lookup(en, `flows.by.${by}`), by);
  }
});

test('translate falls back to the default language, then to the key, and fills parameters as text', () => {
  const partial: Dictionary = { common: { total: 'Total: {n}' } };
  assert.equal(translate(partial, zh, 'common.total', { n: 5 }), 'Total: 5');
  assert.equal(translate(partial, zh, 'common.save'), '保存');
  assert.equal(translate(partial, zh, 'no.such.key'), 'no.such.key');
  assert.equal(translate(en, zh, 'search.hits', { total: '<img src=x onerror=alert(1)>' }), '<img src=x onerror=alert(1)> hits');
  assert.equal(translate(en, zh, 'search.hits', {}), '{total} hits', 'unknown placeholders stay visible');
  assert.equal(translate(en, zh, 'common'), 'common', 'a branch is not a string');
  assert.equal(translate(en, zh, 'constructor'), 'constructor', 'prototype names are not keys');
  assert.equal(translate(en, zh, '__proto__.toString'), '__proto__.toString');
});

test('language choice: zh-CN by default, the stored choice when valid, and storage failures tolerated', () => {
  const store = new Map<string, string>();
  const kv = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
  assert.equal(DEFAULT_LANGUAGE, 'zh-CN');
  assert.equal(initialLanguage(kv), 'zh-CN');
  store.set(LANGUAGE_STORAGE_KEY, 'en');
  assert.equal(initialLanguage(kv), 'en');
  store.set(LANGUAGE_STORAGE_KEY, 'fr');
  assert.equal(initialLanguage(kv), 'zh-CN');
  assert.equal(initialLanguage({ getItem: () => { throw new Error('SecurityError'); }, setItem: () => undefined }), 'zh-CN');
  assert.equal(initialLanguage(undefined), 'zh-CN');
});
