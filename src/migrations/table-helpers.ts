import { QueryRunner, TableColumnOptions, TableForeignKeyOptions } from 'typeorm';

/**
 * Column builders for hand-written migrations that must produce exactly what the entities declare on
 * SQLite and MariaDB alike (checked by the drift test). Types go through the driver's normalizeType.
 */
export function columnsFor(queryRunner: QueryRunner) {
  const normalize = (type: string) => queryRunner.connection.driver.normalizeType({ type: type as never });
  const varchar = (name: string, length: number, extra: Partial<TableColumnOptions> = {}): TableColumnOptions => ({
    name,
    type: normalize('varchar'),
    length: String(length),
    ...extra,
  });
  return {
    id: (): TableColumnOptions => varchar('id', 36, { isPrimary: true }),
    ref: (name: string, extra: Partial<TableColumnOptions> = {}) => varchar(name, 36, extra),
    varchar,
    enum: (name: string, extra: Partial<TableColumnOptions> = {}) => varchar(name, 32, extra),
    int: (name: string, extra: Partial<TableColumnOptions> = {}): TableColumnOptions => ({
      name,
      type: normalize('int'),
      ...extra,
    }),
    bool: (name: string, extra: Partial<TableColumnOptions> = {}): TableColumnOptions => ({
      name,
      type: normalize('boolean'),
      ...extra,
    }),
    instant: (name: string, extra: Partial<TableColumnOptions> = {}): TableColumnOptions => ({
      name,
      type: normalize('datetime'),
      precision: 3,
      ...extra,
    }),
    text: (name: string, extra: Partial<TableColumnOptions> = {}): TableColumnOptions => ({
      name,
      type: normalize('text'),
      ...extra,
    }),
  };
}

export const fk = (
  column: string,
  referencedTableName: string,
  onDelete: 'CASCADE' | 'SET NULL' | 'NO ACTION' = 'CASCADE',
): TableForeignKeyOptions => ({
  columnNames: [column],
  referencedTableName,
  referencedColumnNames: ['id'],
  onDelete,
  onUpdate: 'NO ACTION',
});
