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

/**
 * Serializes writers of one organization. MariaDB: a row lock on the organization, held to commit.
 * SQLite: transactions already run one at a time, so there is nothing to lock.
 */
export async function lockOrganizationRow(em: EntityManager, organizationId: string): Promise<boolean> {
  if (em.connection.options.type === 'better-sqlite3') {
    const rows = await em.query('SELECT id FROM organization WHERE id = ?', [organizationId]);
    return rows.length > 0;
  }
  const rows = await em.query('SELECT id FROM organization WHERE id = ? FOR UPDATE', [organizationId]);
  return rows.length > 0;
}
