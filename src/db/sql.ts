import { EntityManager } from 'typeorm';
import { DateUtils } from 'typeorm/util/DateUtils';

/** A Date as a raw query parameter: SQLite stores UTC text, MariaDB takes the Date (the pool runs in UTC). */
export function sqlInstant(em: EntityManager, date: Date): Date | string {
  return em.connection.options.type === 'better-sqlite3' ? DateUtils.mixedDateToUtcDatetimeString(date) as string : date;
}

/** A raw datetime value read back from either driver, as a Date. */
export function instantFromSql(value: Date | string | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  return new Date(value.includes('T') ? value : `${value.replace(' ', 'T')}Z`);
}
