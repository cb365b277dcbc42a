import { randomUUID } from 'node:crypto';
import { Column, ColumnOptions, PrimaryColumn, ValueTransformer } from 'typeorm';
import { MAX_LENGTH } from './lengths';

/** Column shapes that behave the same on SQLite and MariaDB (STACK: TypeORM 1.x portable types). */
export const IdColumn = () => PrimaryColumn({ type: 'varchar', length: MAX_LENGTH.id });
export const RefColumn = (options: ColumnOptions = {}) =>
  Column({ type: 'varchar', length: MAX_LENGTH.id, ...options });
/** UTC instant with milliseconds; plain datetime drops them on MariaDB. */
export const InstantColumn = (options: ColumnOptions = {}) => Column({ type: 'datetime', precision: 3, ...options });
export const EnumColumn = (options: ColumnOptions = {}) =>
  Column({ type: 'varchar', length: MAX_LENGTH.enumValue, ...options });

/**
 * R34: an exact integer that JavaScript can hold, or a RangeError. A value is never rounded: a BIGINT beyond
 * Number.MAX_SAFE_INTEGER (mysql2 hands it over as a string, as asked by `bigNumberStrings: false`) is refused,
 * and so is anything that is not an integer. Also for raw reads of money (SUMs come back as DECIMAL strings).
 */
export function safeInteger(value: unknown, what = 'value'): number {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'bigint' || (typeof value === 'string' && /^-?\d+$/.test(value))
        ? Number(value)
        : Number.NaN;
  if (!Number.isSafeInteger(n) || (typeof value !== 'number' && BigInt(value as string | bigint) !== BigInt(n))) {
    throw new RangeError(`${what} is not an integer within ±${Number.MAX_SAFE_INTEGER}: ${String(value)}`);
  }
  return n;
}

/** Refuses unsafe numbers both ways; other values (null, find operators) pass through unchanged. */
export const safeIntegerTransformer: ValueTransformer = {
  to: (value: unknown) =>
    typeof value === 'number' || typeof value === 'bigint' ? safeInteger(value, 'cents') : value,
  from: (value: unknown) => (value === null || value === undefined ? value : safeInteger(value, 'cents')),
};

/**
 * Integer cents; never floating point. 64-bit on MariaDB (R34: an `int` column overflows at $21,474,836.47) and
 * INTEGER (also 64-bit) on SQLite; read and written as a JS number within SafeInt, refused beyond it.
 */
export const CentsColumn = (options: ColumnOptions = {}) =>
  Column({ type: 'bigint', transformer: safeIntegerTransformer, ...options });

export const newId = (): string => randomUUID();
