import { randomUUID } from 'node:crypto';
import { Column, ColumnOptions, PrimaryColumn } from 'typeorm';
import { MAX_LENGTH } from './lengths';

/** Column shapes that behave the same on SQLite and MariaDB (STACK: TypeORM 1.x portable types). */
export const IdColumn = () => PrimaryColumn({ type: 'varchar', length: MAX_LENGTH.id });
export const RefColumn = (options: ColumnOptions = {}) => Column({ type: 'varchar', length: MAX_LENGTH.id, ...options });
/** UTC instant with milliseconds; plain datetime drops them on MariaDB. */
export const InstantColumn = (options: ColumnOptions = {}) => Column({ type: 'datetime', precision: 3, ...options });
/** Integer cents; never floating point. */
export const CentsColumn = (options: ColumnOptions = {}) => Column({ type: 'int', ...options });
export const EnumColumn = (options: ColumnOptions = {}) => Column({ type: 'varchar', length: MAX_LENGTH.enumValue, ...options });

export const newId = (): string => randomUUID();
