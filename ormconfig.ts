import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource, DataSourceOptions, Logger } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './src/migrations';
import { DEFAULT_DATABASE_URL } from './src/config/config';

/**
 * DATABASE_URL picks the driver (docs/operations.md): `sqlite:PATH`, `sqlite::memory:` or `mysql://user:pass@host:port/db`.
 * Schema changes ship as migrations that run on start; synchronize is never used.
 */
export function dataSourceOptions(
  databaseUrl: string = process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
): DataSourceOptions {
  const common = {
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    logging: false,
  } as const;
  if (databaseUrl.startsWith('sqlite:')) {
    const database = databaseUrl.slice('sqlite:'.length) || ':memory:';
    if (database !== ':memory:') mkdirSync(dirname(database), { recursive: true });
    return {
      ...common,
      type: 'better-sqlite3',
      database,
      // One writer at a time (transactions are serialized in the unit of work); WAL lets readers go on.
      prepareDatabase: (db: { pragma(source: string): unknown }) => {
        if (database !== ':memory:') db.pragma('journal_mode = WAL');
        db.pragma('busy_timeout = 5000');
      },
    };
  }
  if (databaseUrl.startsWith('mysql://') || databaseUrl.startsWith('mariadb://')) {
    // TypeORM reads column defaults differently on the two servers; MariaDB is the default here,
    // DATABASE_SERVER=mysql selects MySQL 8 semantics.
    return {
      ...common,
      type: process.env.DATABASE_SERVER === 'mysql' ? 'mysql' : 'mariadb',
      url: databaseUrl.replace(/^mariadb:/, 'mysql:'),
      timezone: 'Z',
      // The connection's collation only applies to literals; the tables' utf8mb4_nopad_bin (R34) decides comparisons.
      charset: 'utf8mb4_unicode_ci',
      // BIGINT money (R34): a JS number while it is a safe integer, a string beyond (which CentsColumn refuses), never rounded.
      supportBigNumbers: true,
      bigNumberStrings: false,
      // trace: false — mysql2 otherwise captures a stack trace for every query (a few % of a request's CPU) only to
      // append the caller's frames to a failed query's error.
      extra: { connectionLimit: Number(process.env.DATABASE_POOL_SIZE ?? 20), trace: false },
    };
  }
  throw new Error(
    `DATABASE_URL must start with sqlite: or mysql:// (got ${databaseUrl.replace(/\/\/[^@]*@/, '//***@')})`,
  );
}

/** `logger`: receives every statement TypeORM sends (tests count them); none by default (`logging: false`). */
export function createDataSource(databaseUrl?: string, logger?: Logger): DataSource {
  return new DataSource({ ...dataSourceOptions(databaseUrl), ...(logger ? { logger } : {}) });
}

/** The one DataSource of the process (also what the TypeORM CLI reads). */
export const dataSource = createDataSource();
export default dataSource;
