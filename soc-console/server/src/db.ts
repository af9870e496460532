import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** The console's own small state (sessions, saved searches, cursors) in `<dataDir>/console/console.db`. */
export function openConsoleDb(dataDir: string): Database.Database {
  const dir = path.join(dataDir, 'console');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const db = new Database(path.join(dir, 'console.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  db.exec(`
    CREATE TABLE IF NOT EXISTS sessions (
      id_hash TEXT PRIMARY KEY, account_id TEXT NOT NULL, via TEXT NOT NULL, csrf TEXT NOT NULL,
      created_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL, source_ip TEXT, cert_fingerprint TEXT);
    CREATE INDEX IF NOT EXISTS sessions_account ON sessions(account_id);
    CREATE TABLE IF NOT EXISTS saved_searches (
      id TEXT PRIMARY KEY, account_id TEXT NOT NULL, name TEXT NOT NULL, q TEXT NOT NULL, dataset TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE INDEX IF NOT EXISTS saved_searches_account ON saved_searches(account_id);
    CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `);
  return db;
}

export function kvGet(db: Database.Database, key: string): string | undefined {
  return db.prepare('SELECT value FROM kv WHERE key = ?').pluck().get(key) as string | undefined;
}

export function kvSet(db: Database.Database, key: string, value: string): void {
  db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value);
}
