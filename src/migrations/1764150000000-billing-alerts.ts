import { MigrationInterface, QueryRunner, Table } from 'typeorm';
import { columnsFor, fk } from './table-helpers';

/** Dashboard alerts, ordered per organization by a gapless sequence. */
export class BillingAlerts1764150000000 implements MigrationInterface {
  name = 'BillingAlerts1764150000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnsFor(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'billing_alert',
        columns: [
          c.id(),
          c.ref('organizationId'),
          c.int('sequence'),
          c.enum('kind'),
          c.varchar('message', 500),
          c.int('contracted', { isNullable: true }),
          c.int('inUse', { isNullable: true }),
          c.int('estimatedAdditionalChargeCents', { isNullable: true }),
          c.ref('locationId', { isNullable: true }),
          c.instant('createdAt'),
          c.instant('acknowledgedAt', { isNullable: true }),
        ],
        indices: [
          { columnNames: ['organizationId', 'sequence'], isUnique: true },
          { columnNames: ['organizationId', 'createdAt', 'id'] },
        ],
        foreignKeys: [fk('organizationId', 'organization')],
      }),
      true,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('billing_alert');
  }
}
