import path from 'node:path';
import type { PlatformConfig } from '@emsoc/common';
import { PostgresDriver } from './postgres-driver.js';
import { RaRepository } from './repository.js';
import { SqliteDriver } from './sqlite-driver.js';

/** Opens and migrates the configured database: `<dataDir>/ra.db` (SQLite, WAL) unless PostgreSQL is configured. */
export async function openRepository(config: PlatformConfig): Promise<RaRepository> {
  const db = config.ra.database;
  const driver =
    db.engine === 'postgres'
      ? new PostgresDriver(db.url)
      : new SqliteDriver(db.path ? path.resolve(config.dataDir, db.path) : path.join(config.dataDir, 'ra.db'));
  const repo = new RaRepository(driver);
  await repo.migrate();
  return repo;
}
