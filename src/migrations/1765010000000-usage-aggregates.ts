import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { columnsFor, fk } from './table-helpers';

/**
 * R9: each period's usage of each license kind, kept current on write (UsageAggregate), so that reading the
 * license no longer runs a window over the period's timeline. Periods open before this migration get their row
 * from the timeline on their next usage event (a missing row is recomputed) and are read from the timeline until then.
 */
export class UsageAggregates1765010000000 implements MigrationInterface {
  name = 'UsageAggregates1765010000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnsFor(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'usage_aggregate',
        columns: [
          c.ref('organizationId', { isPrimary: true }),
          c.ref('periodId', { isPrimary: true }),
          c.enum('kind', { isPrimary: true }),
          c.int('level'),
          c.instant('lastInstant'),
          c.int('levelAfterLastInstant'),
          c.int('peakBefore', { isNullable: true }),
          c.instant('peakBeforeAt', { isNullable: true }),
        ],
        foreignKeys: [fk('organizationId', 'organization')],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('usage_aggregate');
  }
}
