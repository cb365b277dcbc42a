/**
 * True when a write failed on a unique index: MariaDB/MySQL ER_DUP_ENTRY (1062), SQLite SQLITE_CONSTRAINT_UNIQUE
 * (or the primary key). Callers that insert "at most once" rows treat it as "already there".
 */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { driverError?: { errno?: number; code?: string }; errno?: number; code?: string };
  const errno = e.driverError?.errno ?? e.errno;
  const code = e.driverError?.code ?? e.code;
  return (
    errno === 1062 ||
    code === 'ER_DUP_ENTRY' ||
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}
