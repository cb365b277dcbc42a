import { MigrationInterface, QueryRunner, TableColumn, TableIndex } from 'typeorm';
import { columnsFor } from './table-helpers';

const BY_KIND = ['organizationId', 'kind', 'createdAt'];

/**
 * R25: alerts that resolve. Every alert stored so far stays active; an overage alert's value is the in-use it
 * reported. Resolutions point back at the alert that opened the condition (resolvesId) and the alerts they ended
 * point at them (resolvedById): soft references inside one organization's alerts.
 */
export class AlertResolution1765100000000 implements MigrationInterface {
  name = 'AlertResolution1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const c = columnsFor(queryRunner);
    const bigint = queryRunner.connection.driver.normalizeType({ type: 'bigint' });
    await queryRunner.addColumns('billing_alert', [
      new TableColumn(c.bool('active', { default: 1 })),
      new TableColumn(c.ref('resolvesId', { isNullable: true })),
      new TableColumn(c.ref('resolvedById', { isNullable: true })),
      new TableColumn({ name: 'value', type: bigint, isNullable: true }),
    ]);
    await queryRunner.query(
      `UPDATE billing_alert SET value = inUse WHERE kind IN ('SEAT_OVERAGE', 'LOCATION_OVERAGE')`,
    );
    await queryRunner.createIndex('billing_alert', new TableIndex({ columnNames: BY_KIND }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const table = await queryRunner.getTable('billing_alert');
    const index = table?.indices.find((i) => i.columnNames.join() === BY_KIND.join());
    if (index) await queryRunner.dropIndex('billing_alert', index);
    for (const name of ['value', 'resolvedById', 'resolvesId', 'active'])
      await queryRunner.dropColumn('billing_alert', name);
  }
}
