import { MigrationInterface, QueryRunner, Table, TableColumnOptions } from 'typeorm';
import { columnsFor, fk } from './table-helpers';

/** The usage timeline (R8–R10): immutable ±1 events per organization and license kind. */
export class Licenses1764200000000 implements MigrationInterface {
  name = 'Licenses1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnsFor(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'usage_event',
        columns: [
          serialId(queryRunner),
          c.ref('organizationId'),
          c.enum('kind'),
          c.ref('subjectId'),
          c.int('delta'),
          c.instant('occurredAt'),
        ],
        indices: [{ columnNames: ['organizationId', 'kind', 'occurredAt', 'delta'] }],
        foreignKeys: [fk('organizationId', 'organization')],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('usage_event');
  }
}

/** An auto-increment integer key (SQLite needs exactly INTEGER PRIMARY KEY for that). */
function serialId(queryRunner: QueryRunner): TableColumnOptions {
  const sqlite = queryRunner.connection.options.type === 'better-sqlite3';
  return {
    name: 'id',
    type: sqlite ? 'integer' : 'int',
    isPrimary: true,
    isGenerated: true,
    generationStrategy: 'increment',
  };
}
