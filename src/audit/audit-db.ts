import { existsSync } from 'node:fs';

/**
 * The audit's own read-only connection: one connection, one snapshot. It talks to the drivers directly (not through
 * ormconfig) so that auditing never creates a file, runs a migration or changes a row, and so that every check of
 * a run reads the same consistent snapshot of a database that a live server may still be writing.
 */
export type Dialect = 'sqlite' | 'mysql';
export type Row = Record<string, unknown>;

export interface AuditDb {
  readonly dialect: Dialect;
  /** Runs one SELECT and returns its rows. */
  all(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Whether the table exists, and its column names (empty when it does not). */
  columnsOf(table: string): Promise<string[]>;
  close(): Promise<void>;
}

/** A usage or connection problem: the CLI prints its message on one line and exits 2. */
export class AuditSetupError extends Error {}

/** DATABASE_URL with the password hidden, for messages. */
export const redactUrl = (url: string) => url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');

/** Opens `sqlite:PATH` or `mysql://user:pass@host:port/db` (also `mariadb://`) for reading, inside one snapshot. */
export async function openAuditDb(databaseUrl: string): Promise<AuditDb> {
  if (databaseUrl.startsWith('sqlite:')) return openSqlite(databaseUrl.slice('sqlite:'.length));
  if (databaseUrl.startsWith('mysql://') || databaseUrl.startsWith('mariadb://'))
    return openMysql(databaseUrl.replace(/^mariadb:/, 'mysql:'));
  throw new AuditSetupError(`DATABASE_URL must start with sqlite: or mysql:// (got ${redactUrl(databaseUrl)})`);
}

interface SqliteHandle {
  exec(sql: string): void;
  prepare(sql: string): { all(...params: unknown[]): unknown[] };
  readonly inTransaction: boolean;
  close(): void;
}

async function openSqlite(path: string): Promise<AuditDb> {
  if (!path || path === ':memory:')
    throw new AuditSetupError(
      'an in-memory SQLite database cannot be audited from outside its process: give the file (sqlite:PATH)',
    );
  if (!existsSync(path)) throw new AuditSetupError(`no SQLite database at ${path}`);
  // better-sqlite3 ships no type declarations; the few calls used here are typed by SqliteHandle.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Database = require('better-sqlite3') as new (path: string, options: object) => SqliteHandle;
  let db: SqliteHandle;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true, timeout: 5000 });
    // A deferred transaction takes its snapshot at the first read and keeps it (WAL): every check sees one state.
    db.exec('BEGIN');
  } catch (error) {
    throw new AuditSetupError(`cannot open the SQLite database at ${path}: ${(error as Error).message}`);
  }
  return {
    dialect: 'sqlite',
    async all(sql, params = []) {
      return db.prepare(sql).all(...(params as unknown[])) as Row[];
    },
    async columnsOf(table) {
      return (db.prepare('SELECT name FROM pragma_table_info(?)').all(table) as Array<{ name: string }>).map(
        (r) => r.name,
      );
    },
    async close() {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
    },
  };
}

async function openMysql(url: string): Promise<AuditDb> {
  const mysql = await import('mysql2/promise');
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!database) throw new AuditSetupError(`DATABASE_URL names no database (${redactUrl(url)})`);
  let conn: import('mysql2/promise').Connection;
  try {
    conn = await mysql.createConnection({
      host: parsed.hostname,
      port: Number(parsed.port || 3306),
      user: decodeURIComponent(parsed.username || 'root'),
      password: decodeURIComponent(parsed.password),
      database,
      timezone: 'Z',
      connectTimeout: 10000,
      // Sums of cents come back as DECIMAL: as numbers they stay exact far beyond any real total (SafeInt).
      decimalNumbers: true,
      supportBigNumbers: true,
      bigNumberStrings: false,
    });
    // Grouping a million ledger entries needs more than the default in-memory temporary table and sort buffer.
    await conn.query(
      'SET SESSION tmp_table_size = 268435456, max_heap_table_size = 268435456, sort_buffer_size = 67108864',
    );
    await conn.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
    await conn.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
  } catch (error) {
    throw new AuditSetupError(`cannot connect to ${redactUrl(url)}: ${(error as Error).message}`);
  }
  return {
    dialect: 'mysql',
    async all(sql, params = []) {
      const [rows] = await conn.query(sql, params);
      return rows as Row[];
    },
    async columnsOf(table) {
      const [rows] = await conn.query(
        'SELECT COLUMN_NAME AS name FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?',
        [table],
      );
      return (rows as Array<{ name: string }>).map((r) => r.name);
    },
    async close() {
      await conn.query('ROLLBACK').catch(() => undefined);
      await conn.end();
    },
  };
}
