import { EntityManager } from 'typeorm';
import { DateUtils } from 'typeorm/util/DateUtils';

/** A Date as a raw query parameter: SQLite stores UTC text, MariaDB takes the Date (the pool runs in UTC). */
export function sqlInstant(em: EntityManager, date: Date): Date | string {
  return em.connection.options.type === 'better-sqlite3'
    ? (DateUtils.mixedDateToUtcDatetimeString(date) as string)
    : date;
}

/** A raw datetime value read back from either driver, as a Date. */
export function instantFromSql(value: Date | string | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value;
  return new Date(value.includes('T') ? value : `${value.replace(' ', 'T')}Z`);
}

/**
 * An entity from the columns of a raw row (`<prefix><column name>`), converted as TypeORM converts a `find`'s
 * (the driver's dates, booleans and transformers), built without its constructor as a loaded row is: the same
 * entity `find` returns, for a statement that reads more than one table at once.
 */
export function entityFromRow<E extends object>(
  em: EntityManager,
  entity: new () => E,
  row: Record<string, unknown>,
  prefix = '',
): E {
  const metadata = em.connection.getMetadata(entity);
  const driver = em.connection.driver;
  const loaded = metadata.create(undefined, { fromDeserializer: true }) as E;
  for (const column of metadata.columns) {
    column.setEntityValue(loaded, driver.prepareHydratedValue(row[prefix + column.databaseName], column));
  }
  return loaded;
}
